package api

import (
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// request reads what every POST endpoint needs: the options of endpoint
// (before the body, so a wrong option costs no upload) and the files.
func (h *handler) request(w http.ResponseWriter, r *http.Request, endpoint string, allowed []string) (options, []core.File, *problem) {
	// Parsed here, not with r.URL.Query(), which drops malformed pairs
	// silently: a lost option would convert with the default.
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return options{}, nil, badRequest(fmt.Sprintf("the query string %q is malformed (%v); write options as ?input_scaling=255,0&target=v1", r.URL.RawQuery, err))
	}
	o, p := parseOptions(endpoint, query, allowed)
	if p != nil {
		return o, nil, p
	}
	files, p := h.readFiles(w, r, o.fileName)
	if p != nil {
		return o, nil, p
	}
	// Every endpoint reads a Keras model; an Akida model is told by its
	// content (core.DetectKind), whatever the client named it.
	if err := core.RefuseAkida(files); err != nil {
		return o, nil, modelProblem(err, files)
	}
	return o, files, nil
}

// inspect answers POST /v1/inspect with the Keras model's layers: the
// report of `cnn2snn inspect --json`.
func (h *handler) inspect(w http.ResponseWriter, r *http.Request) {
	_, files, p := h.request(w, r, "/v1/inspect", inspectParams())
	if p != nil {
		writeProblem(w, p)
		return
	}
	report, err := core.Inspect(files)
	if err != nil {
		writeProblem(w, modelProblem(err, files))
		return
	}
	writeJSON(w, http.StatusOK, report)
}

// check answers POST /v1/check with the compatibility report of
// `cnn2snn check --json`. An incompatible model is a normal answer (200,
// "compatible": false).
func (h *handler) check(w http.ResponseWriter, r *http.Request) {
	o, files, p := h.request(w, r, "/v1/check", convertParams())
	if p != nil {
		writeProblem(w, p)
		return
	}
	report, err := core.Check(files, o.core())
	if err != nil {
		writeProblem(w, modelProblem(err, files))
		return
	}
	writeJSON(w, http.StatusOK, report)
}

// convertAnswer is the JSON answer of /v1/convert: the file name, the
// report and the .fbz in base64.
type convertAnswer struct {
	*core.ConvertResult
	FBZBase64 string `json:"fbz_base64"`
}

// convert answers POST /v1/convert with the .fbz, or with the report and
// the .fbz in JSON when the client accepts application/json. A model that
// does not convert is a 400 carrying every diagnostic.
func (h *handler) convert(w http.ResponseWriter, r *http.Request) {
	o, files, p := h.request(w, r, "/v1/convert", convertParams())
	if p != nil {
		writeProblem(w, p)
		return
	}
	res, err := core.Convert(files, o.core())
	if err != nil {
		writeProblem(w, modelProblem(err, files))
		return
	}
	if acceptsJSON(r) {
		writeJSON(w, http.StatusOK, convertAnswer{res, base64.StdEncoding.EncodeToString(res.FBZ)})
		return
	}
	setSummaryHeaders(w.Header(), res)
	writeBytes(w, http.StatusOK, "application/octet-stream", res.FBZ)
}

// setSummaryHeaders puts the report's figures in headers, so a client
// that saves the .fbz still learns what it got.
func setSummaryHeaders(h http.Header, res *core.ConvertResult) {
	rep := &res.Report
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": res.FileName}))
	h.Set("X-Cnn2snn-Version", core.Version)
	h.Set("X-Cnn2snn-Akida-Version", rep.AkidaVersion)
	h.Set("X-Cnn2snn-Target", rep.Target)
	h.Set("X-Cnn2snn-Layers", strconv.Itoa(rep.Layers))
	h.Set("X-Cnn2snn-Weights", strconv.Itoa(rep.Weights))
	h.Set("X-Cnn2snn-Warnings", strconv.Itoa(len(rep.Warnings)))
	if s := rep.InputScaling; s != nil {
		h.Set("X-Cnn2snn-Input-Scaling", strconv.FormatFloat(s.Scale, 'g', -1, 64)+","+strconv.FormatFloat(s.Shift, 'g', -1, 64))
	}
}

// acceptsJSON reports whether the Accept header lists application/json
// (with a non-zero quality).
func acceptsJSON(r *http.Request) bool {
	// Joined because syumai/workers splits JS header values at commas.
	for _, item := range strings.Split(strings.Join(r.Header.Values("Accept"), ","), ",") {
		t, params, err := mime.ParseMediaType(strings.TrimSpace(item))
		if err == nil && t == "application/json" && params["q"] != "0" && params["q"] != "0.0" {
			return true
		}
	}
	return false
}

// healthz answers GET /healthz: the server is up, and which version it runs.
func (h *handler) healthz(w http.ResponseWriter) {
	writeJSON(w, http.StatusOK, health{Status: "ok", Version: core.Version, MaxBodyBytes: h.maxBody})
}

type health struct {
	Status       string `json:"status"`
	Version      string `json:"version"`
	MaxBodyBytes int64  `json:"max_body_bytes"`
}

// modelProblem turns a converter error into a 400 that names the files
// as the CLI does ("<file>: <message>"). A model that does not convert
// also carries every diagnostic and the rules' explanations.
func modelProblem(err error, files []core.File) *problem {
	p := badRequest(errorFile(err, files) + ": " + err.Error())
	var me *core.ModelError
	if errors.As(err, &me) && me.Report != nil {
		p.diagnostics, p.rules = me.Report.Diagnostics, me.Report.Rules
	}
	return p
}

// errorFile names the file an error is about: the one the error names,
// else the request's files.
func errorFile(err error, files []core.File) string {
	var fe *keras.FormatError
	if errors.As(err, &fe) && fe.File != "" {
		return fe.File
	}
	var ue *keras.UnsupportedError
	if errors.As(err, &ue) && ue.File != "" {
		return ue.File
	}
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = f.Name
	}
	return strings.Join(names, ", ")
}
