package api

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// A problem is a request the handler refuses: its HTTP status, the
// message for the user and, for a model the converter refuses, every
// diagnostic the compatibility check found.
type problem struct {
	status      int
	msg         string
	diagnostics any               // a JSON array; nil is written as []
	rules       map[string]string // rule name → its Doc, for the rules in diagnostics
}

func badRequest(msg string) *problem {
	return &problem{status: http.StatusBadRequest, msg: msg}
}

// errorBody is the JSON body of every 4xx answer.
type errorBody struct {
	Error       string            `json:"error"`
	Diagnostics any               `json:"diagnostics"`
	Rules       map[string]string `json:"rules,omitempty"`
}

func writeProblem(w http.ResponseWriter, p *problem) {
	body := errorBody{Error: p.msg, Diagnostics: p.diagnostics, Rules: p.rules}
	if body.Diagnostics == nil {
		body.Diagnostics = []struct{}{}
	}
	writeJSON(w, p.status, body)
}

// writeJSON writes v as the whole answer. The body is encoded before the
// status is sent, so an encoding failure can still become an error answer.
func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		status = http.StatusBadRequest
		data, _ = json.Marshal(errorBody{Error: "the report could not be written as JSON (" + err.Error() + "); please report this with the model file", Diagnostics: []struct{}{}})
	}
	data = append(data, '\n')
	writeBytes(w, status, "application/json", data)
}

func writeBytes(w http.ResponseWriter, status int, contentType string, data []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(data)
}
