package api

import (
	"net/http"
)

// inspect answers POST /v1/inspect with the Keras model's layers.
func (h *handler) inspect(w http.ResponseWriter, r *http.Request) {
	o, p := parseOptions("/v1/inspect", r.URL.Query(), inspectParams())
	if p != nil {
		writeProblem(w, p)
		return
	}
	files, p := h.readFiles(w, r, o.fileName)
	if p != nil {
		writeProblem(w, p)
		return
	}
	report, err := inspectModel(files)
	if err != nil {
		writeProblem(w, modelProblem(err, files))
		return
	}
	writeJSON(w, http.StatusOK, report)
}

// check answers POST /v1/check with the compatibility report. An
// incompatible model is a normal answer (200, "compatible": false).
func (h *handler) check(w http.ResponseWriter, r *http.Request) {
	o, p := parseOptions("/v1/check", r.URL.Query(), convertParams())
	if p != nil {
		writeProblem(w, p)
		return
	}
	files, p := h.readFiles(w, r, o.fileName)
	if p != nil {
		writeProblem(w, p)
		return
	}
	report, err := checkModel(files, o)
	if err != nil {
		writeProblem(w, modelProblem(err, files))
		return
	}
	writeJSON(w, http.StatusOK, report)
}

// convert answers POST /v1/convert with the .fbz.
func (h *handler) convert(w http.ResponseWriter, r *http.Request) {
	o, p := parseOptions("/v1/convert", r.URL.Query(), convertParams())
	if p != nil {
		writeProblem(w, p)
		return
	}
	files, p := h.readFiles(w, r, o.fileName)
	if p != nil {
		writeProblem(w, p)
		return
	}
	_, err := convertModel(files, o)
	if err != nil {
		writeProblem(w, modelProblem(err, files))
		return
	}
}

// healthz answers GET /healthz: the server is up, and which version it runs.
func (h *handler) healthz(w http.ResponseWriter) {
	writeJSON(w, http.StatusOK, health{Status: "ok", Version: version(), MaxBodyBytes: h.maxBody})
}

type health struct {
	Status       string `json:"status"`
	Version      string `json:"version"`
	MaxBodyBytes int64  `json:"max_body_bytes"`
}
