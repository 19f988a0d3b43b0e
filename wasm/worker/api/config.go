package api

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// MaxBodyBytesVar is the variable that sets the request body limit: a
// wrangler var on Cloudflare, an environment variable for workerd and the
// native server.
const MaxBodyBytesVar = "CNN2SNN_MAX_BODY_BYTES"

// ParseMaxBodyBytes reads the value of MaxBodyBytesVar: a positive number
// of bytes, or "" for DefaultMaxBodyBytes.
func ParseMaxBodyBytes(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return DefaultMaxBodyBytes, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%s=%q is not a positive number of bytes; set it to e.g. %d (32 MiB) or leave it unset", MaxBodyBytesVar, s, DefaultMaxBodyBytes)
	}
	return n, nil
}

// ConfigError is the handler of a server whose configuration is wrong:
// every request gets a 500 that says what to fix. This is the one 5xx the
// server gives, and it does not depend on the request.
func ConfigError(err error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, &problem{status: http.StatusInternalServerError,
			msg: "the server is misconfigured: " + err.Error()})
	})
}
