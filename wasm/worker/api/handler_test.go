package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// serve runs one request through a handler with the default config.
func serve(t *testing.T, h http.Handler, method, target string, body io.Reader, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, body)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// wantProblem asserts a JSON error answer with its status and exact text.
func wantProblem(t *testing.T, rec *httptest.ResponseRecorder, status int, msg string) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d; body %s", rec.Code, status, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var body struct {
		Error       *string           `json:"error"`
		Diagnostics []json.RawMessage `json:"diagnostics"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("error body is not JSON: %v: %s", err, rec.Body)
	}
	if body.Error == nil || body.Diagnostics == nil {
		t.Fatalf("error body lacks \"error\" or \"diagnostics\": %s", rec.Body)
	}
	if *body.Error != msg {
		t.Errorf("error\n got %q\nwant %q", *body.Error, msg)
	}
}

func TestHealthz(t *testing.T) {
	h := New(Config{})
	rec := serve(t, h, "GET", "/healthz", nil)
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	want := `{"status":"ok","version":"` + core.Version + `","max_body_bytes":33554432}` + "\n"
	if rec.Body.String() != want {
		t.Errorf("body %q, want %q", rec.Body, want)
	}
	if rec := serve(t, h, "HEAD", "/healthz", nil); rec.Code != 200 {
		t.Errorf("HEAD /healthz: status %d", rec.Code)
	}
	rec = serve(t, h, "POST", "/healthz", strings.NewReader("x"))
	wantProblem(t, rec, 405, "POST /healthz is not allowed; use GET or HEAD")
	if allow := rec.Header().Get("Allow"); allow != "GET, HEAD" {
		t.Errorf("Allow %q", allow)
	}
}

func TestRoutes(t *testing.T) {
	h := New(Config{})
	for _, path := range []string{"/v1/inspect", "/v1/check", "/v1/convert"} {
		rec := serve(t, h, "GET", path, nil)
		wantProblem(t, rec, 405, "GET "+path+" is not allowed; use POST")
		if allow := rec.Header().Get("Allow"); allow != "POST" {
			t.Errorf("%s: Allow %q", path, allow)
		}
	}
	wantProblem(t, serve(t, h, "POST", "/v1/convert2", strings.NewReader("x")), 404,
		"there is no endpoint /v1/convert2; the endpoints are POST /v1/inspect, POST /v1/check and POST /v1/convert")
	wantProblem(t, serve(t, h, "GET", "/v1", nil), 404,
		"there is no endpoint /v1; the endpoints are POST /v1/inspect, POST /v1/check and POST /v1/convert")
	// Without a UI, GET / explains itself; other methods outside /v1 are 405.
	wantProblem(t, serve(t, h, "GET", "/", nil), 404,
		"/: the web page is not deployed with this server (build it with make dist); the API is at /v1/convert")
	rec := serve(t, h, "PUT", "/index.html", strings.NewReader("x"))
	wantProblem(t, rec, 405, "PUT /index.html is not allowed; use GET or HEAD")
}

func TestAssetsServeTheUI(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "index.html", "<!doctype html><title>cnn2snn</title>")
	h := New(Config{Assets: http.FileServer(http.Dir(dir))})
	rec := serve(t, h, "GET", "/", nil)
	if rec.Code != 200 || rec.Body.String() != "<!doctype html><title>cnn2snn</title>" {
		t.Fatalf("GET /: %d %q", rec.Code, rec.Body)
	}
	if rec := serve(t, h, "GET", "/missing.js", nil); rec.Code != 404 {
		t.Errorf("GET /missing.js: %d", rec.Code)
	}
}

func TestPanicBecomes400(t *testing.T) {
	h := New(Config{Assets: http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		var layers []string
		_ = layers[3] // the kind of bug a hostile file could trigger
	})})
	wantProblem(t, serve(t, h, "GET", "/app.wasm", nil), 400,
		"internal error while handling /app.wasm: runtime error: index out of range [3] with length 0; please report this with the model file")
}

// decodeInspect reads a /v1/inspect answer and lists its layers as
// "name:Class:output shape:params".
func decodeInspect(t *testing.T, rec *httptest.ResponseRecorder) (*keras.InspectReport, string) {
	t.Helper()
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("status %d %s: %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	var rep keras.InspectReport
	if err := json.Unmarshal(rec.Body.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	var layers []string
	for _, l := range rep.Layers {
		layers = append(layers, fmt.Sprintf("%s:%s:%v:%d", l.Name, l.ClassName, []int(l.OutputShape), l.Params))
	}
	return &rep, strings.Join(layers, " ")
}

func TestInspectRawBody(t *testing.T) {
	data := fixtures.ReadShared(t, "keras", "mnist_cnn_sequential_keras3.15.keras")
	rep, layers := decodeInspect(t, serve(t, New(Config{}), "POST", "/v1/inspect?filename=mnist.keras", bytes.NewReader(data)))
	want := "input_layer:InputLayer:[28 28 1]:0 conv2d:Conv2D:[26 26 32]:320 max_pooling2d:MaxPooling2D:[13 13 32]:0 " +
		"conv2d_1:Conv2D:[11 11 64]:18496 max_pooling2d_1:MaxPooling2D:[5 5 64]:0 flatten:Flatten:[1600]:0 " +
		"dropout:Dropout:[1600]:0 dense:Dense:[128]:204928 dense_1:Dense:[10]:1290"
	if layers != want {
		t.Errorf("layers\n got %s\nwant %s", layers, want)
	}
	if rep.Name != "sequential" || rep.Format != "keras3-zip" || rep.KerasVersion != "3.15.1" || rep.TotalParams != 225034 {
		t.Errorf("model %q %q %q, %d params", rep.Name, rep.Format, rep.KerasVersion, rep.TotalParams)
	}
}

// multipartBody builds a multipart/form-data body with one file part per
// name/data pair.
func multipartBody(t *testing.T, parts ...any) (*bytes.Buffer, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for i := 0; i+1 < len(parts); i += 2 {
		fw, err := mw.CreateFormFile("file", parts[i].(string))
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(parts[i+1].([]byte))
	}
	mw.Close()
	return &b, mw.FormDataContentType()
}

func TestInspectMultipartPair(t *testing.T) {
	config := fixtures.ReadShared(t, "keras", "keras2.0_conv2d_model.json")
	weights := fixtures.ReadShared(t, "keras", "keras2.0_conv2d_model_weights.h5")
	// A client may send a path; only the base name reaches the loader.
	body, ct := multipartBody(t, "models/keras2.0_conv2d_model.json", config, `C:\m\keras2.0_conv2d_model_weights.h5`, weights)
	rep, layers := decodeInspect(t, serve(t, New(Config{}), "POST", "/v1/inspect", body, "Content-Type", ct))
	want := "conv2d_1_input:InputLayer:[8 8 1]:0 conv2d_1:Conv2D:[8 8 2]:20 dropout_1:Dropout:[8 8 2]:0 " +
		"flatten_1:Flatten:[128]:0 dense_1:Dense:[10]:1290"
	if layers != want || rep.Format != "keras-weights-h5+json" || rep.KerasVersion != "2.0.0" || rep.TotalParams != 1310 {
		t.Errorf("%s %s, %d params: %s", rep.Format, rep.KerasVersion, rep.TotalParams, layers)
	}
	// The weights alone: the loader's own message, with the file name.
	body, ct = multipartBody(t, "weights.h5", weights)
	wantProblem(t, serve(t, New(Config{}), "POST", "/v1/inspect", body, "Content-Type", ct), 400,
		"weights.h5: this file holds only weights (saved with save_weights); add the model's JSON file, or save the model with model.save")
}

func TestBadBodies(t *testing.T) {
	h := New(Config{})
	notKeras := "; give a .h5 or .keras file saved with model.save, a weights .h5 with its model .json, or a TF.js model.json with its .bin files"
	cases := []struct {
		name, target, contentType string
		body                      io.Reader
		msg                       string
	}{
		{"empty", "/v1/inspect", "", strings.NewReader(""),
			"the request body is empty; send the model file as the body (curl --data-binary @model.h5) or as multipart/form-data (curl -F file=@model.h5)"},
		{"png", "/v1/inspect?filename=cat.png", "", strings.NewReader("\x89PNG\r\n\x1a\n...."),
			"cat.png: this is not a Keras model file (it is a PNG image)" + notKeras},
		{"text", "/v1/inspect", "application/x-www-form-urlencoded", strings.NewReader("hello=world"),
			"model: this is not a Keras model file" + notKeras},
		{"no boundary", "/v1/inspect", "multipart/form-data", strings.NewReader("--x\r\n"),
			"the multipart/form-data Content-Type has no boundary parameter; let your HTTP client build the form (curl -F file=@model.h5)"},
		{"no boundary line", "/v1/inspect", "multipart/form-data; boundary=XYZ", strings.NewReader("not a form at all"),
			"the multipart/form-data body holds no file; add the model as a file part (curl -F file=@model.h5)"},
		{"bad part header", "/v1/inspect", "multipart/form-data; boundary=XYZ", strings.NewReader("--XYZ\r\nno colon here\r\n\r\ndata\r\n--XYZ--\r\n"),
			"the multipart/form-data body is malformed (malformed MIME header: missing colon: \"no colon here\"); let your HTTP client build the form (curl -F file=@model.h5)"},
		{"no files", "/v1/inspect", "multipart/form-data; boundary=XYZ", strings.NewReader("--XYZ--\r\n"),
			"the multipart/form-data body holds no file; add the model as a file part (curl -F file=@model.h5)"},
		{"form field", "/v1/inspect", "multipart/form-data; boundary=XYZ",
			strings.NewReader("--XYZ\r\nContent-Disposition: form-data; name=\"target\"\r\n\r\nv1\r\n--XYZ--\r\n"),
			"the form field \"target\" is not a file; send every model file as a file part (curl -F file=@model.h5) and the options as query parameters (?input_scaling=255,0)"},
		{"truncated multipart", "/v1/inspect", "multipart/form-data; boundary=XYZ",
			strings.NewReader("--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"m.h5\"\r\n\r\n\x89HDF"),
			"the multipart/form-data body is malformed (unexpected EOF); let your HTTP client build the form (curl -F file=@model.h5)"},
		{"broken reader", "/v1/inspect", "", iotest.ErrReader(io.ErrClosedPipe),
			"the request body could not be read (io: read/write on closed pipe); send it again"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantProblem(t, serve(t, h, "POST", c.target, c.body, "Content-Type", c.contentType), 400, c.msg)
		})
	}
}

func TestTooManyFiles(t *testing.T) {
	var parts []any
	for range maxFiles + 1 {
		parts = append(parts, "group1-shard.bin", []byte{0})
	}
	body, ct := multipartBody(t, parts...)
	wantProblem(t, serve(t, New(Config{}), "POST", "/v1/inspect", body, "Content-Type", ct), 400,
		"the form holds more than 256 files; a model is at most a model.json with its weight shards")
}

func TestOptionsSyntax(t *testing.T) {
	h := New(Config{})
	cases := []struct{ target, msg string }{
		{"/v1/inspect?input_scaling=255,0", `/v1/inspect has no option "input_scaling"; its options are filename`},
		{"/v1/convert?inputscaling=255,0", `/v1/convert has no option "inputscaling"; its options are filename, target, input_scaling, input_is_image, quantize, output_bits, per_tensor_activations, input_dtype, calibration_samples, calibration_batch_size, calibration_epochs`},
		{"/v1/check?target=v1&target=v2", "the option target is given 2 times; give it once"},
		{"/v1/convert?input_scaling=255", "input_scaling=255: must be two numbers A,B such that the Akida input is A × Keras input + B, e.g. 255,0 for 8-bit images"},
		{"/v1/convert?input_scaling=NaN,0", "input_scaling=NaN,0: must be two numbers A,B such that the Akida input is A × Keras input + B, e.g. 255,0 for 8-bit images"},
		{"/v1/check?input_is_image=maybe", "input_is_image=maybe: must be true or false"},
		{"/v1/convert?quantize=4,4", "quantize=4,4: must be three bit widths W,A,I (weights, activations, first-layer weights), e.g. 4,4,8"},
		{"/v1/convert?quantize=4,x,8", "quantize=4,x,8: must be three bit widths W,A,I (weights, activations, first-layer weights), e.g. 4,4,8"},
		{"/v1/check?target=v3", "target=v3: must be v1 (Akida 1.0) or v2 (Akida 2.0)"},
		{"/v1/inspect?filename=", "filename= is empty; give the model file's name, e.g. filename=model.h5"},
		{"/v1/convert?input_scaling=255%2G0", `the query string "input_scaling=255%2G0" is malformed (invalid URL escape "%2G"); write options as ?input_scaling=255,0&target=v1`},
	}
	for _, c := range cases {
		// The body must not even be read when an option is wrong.
		body := iotest.ErrReader(io.ErrUnexpectedEOF)
		wantProblem(t, serve(t, h, "POST", c.target, body), 400, c.msg)
	}
}

func TestParseOptionsValues(t *testing.T) {
	q, _ := http.NewRequest("POST", "/v1/convert?input_scaling=%20255,%20-1.5&input_is_image=false&quantize=2,4,8&target=v1&filename=x.h5", nil)
	o, p := parseOptions("/v1/convert", q.URL.Query(), convertParams())
	if p != nil {
		t.Fatal(p.msg)
	}
	c := o.core()
	if o.fileName != "x.h5" || *c.InputScaling != [2]float64{255, -1.5} || *c.InputIsImage != false ||
		c.Quantize != (core.QuantizeOptions{Weights: 2, Activations: 4, InputWeights: 8}) || c.Target != "v1" {
		t.Errorf("got %+v", o)
	}
	o, _ = parseOptions("/v1/convert", nil, convertParams())
	if c := o.core(); o.fileName != "model" || c.InputScaling != nil || c.InputIsImage != nil || c.Quantize != (core.QuantizeOptions{}) || c.Target != "" {
		t.Errorf("defaults: %+v", o)
	}
}
