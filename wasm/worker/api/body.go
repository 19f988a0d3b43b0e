package api

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"path"
	"strings"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core"
)

// defaultFileName names a model sent as the raw body without ?filename=.
const defaultFileName = "model"

// readFiles reads the model files of a request: the raw body as one file,
// or every file part of a multipart/form-data body, named as the client
// named them (the converter tells formats apart by content, and by name
// only for TF.js .bin shards and .fbz files). It reads at most
// h.maxBody bytes of the body, whatever the body claims.
func (h *handler) readFiles(w http.ResponseWriter, r *http.Request, name string) ([]core.File, *problem) {
	if r.ContentLength > h.maxBody {
		return nil, h.tooLarge()
	}
	body := http.MaxBytesReader(w, r.Body, h.maxBody)
	defer body.Close()
	// Joined because syumai/workers splits JS header values at commas.
	mediaType, params, err := mime.ParseMediaType(strings.Join(r.Header.Values("Content-Type"), ","))
	if err == nil && mediaType == "multipart/form-data" {
		return h.readMultipart(body, params["boundary"])
	}
	// Content-Length is at most maxBody here, so it may size the buffer:
	// reading a body of known length then needs no growing copies.
	data, err := readAll(body, int(max(r.ContentLength, 0)))
	if err != nil {
		return nil, h.readProblem(err)
	}
	if len(data) == 0 {
		return nil, badRequest("the request body is empty; send the model file as the body " +
			"(curl --data-binary @model.h5) or as multipart/form-data (curl -F file=@model.h5)")
	}
	return []core.File{{Name: name, Data: data}}, nil
}

// readMultipart reads the file parts of a multipart/form-data body.
// Parts are read as they stream in, so a multipart request costs no more
// memory than a raw one.
func (h *handler) readMultipart(body io.Reader, boundary string) ([]core.File, *problem) {
	if boundary == "" {
		return nil, badRequest("the multipart/form-data Content-Type has no boundary parameter; let your HTTP client build the form (curl -F file=@model.h5)")
	}
	mr := multipart.NewReader(body, boundary)
	var files []core.File
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, h.multipartProblem(err)
		}
		name := part.FileName()
		if name == "" {
			return nil, badRequest(fmt.Sprintf("the form field %q is not a file; send every model file as a file part "+
				"(curl -F file=@model.h5) and the options as query parameters (?input_scaling=255,0)", part.FormName()))
		}
		if len(files) == maxFiles {
			return nil, badRequest(fmt.Sprintf("the form holds more than %d files; a model is at most a model.json with its weight shards", maxFiles))
		}
		data, err := readAll(part, 0)
		if err != nil {
			return nil, h.multipartProblem(err)
		}
		// Browsers send base names, but other clients may send a path;
		// the converter only wants the base name.
		files = append(files, core.File{Name: path.Base(strings.ReplaceAll(name, `\`, "/")), Data: data})
	}
	if len(files) == 0 {
		return nil, badRequest("the multipart/form-data body holds no file; add the model as a file part (curl -F file=@model.h5)")
	}
	return files, nil
}

// readProblem explains an error met while reading a raw body.
func (h *handler) readProblem(err error) *problem {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return h.tooLarge()
	}
	return badRequest(fmt.Sprintf("the request body could not be read (%v); send it again", err))
}

// multipartProblem explains an error met while parsing a multipart body:
// past the size limit, it is the form's syntax.
func (h *handler) multipartProblem(err error) *problem {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return h.tooLarge()
	}
	return badRequest(fmt.Sprintf("the multipart/form-data body is malformed (%v); let your HTTP client build the form (curl -F file=@model.h5)", err))
}

func (h *handler) tooLarge() *problem {
	return &problem{status: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf(
		"the request body is larger than this server's limit of %s; convert the model with the web page or the command-line tool, which have no limit",
		byteCount(h.maxBody))}
}

// readAll reads r to its end into a buffer of capacity sizeHint+1 at
// first, so a body whose length is known is read without a copy (the extra
// byte lets the final read see EOF without growing the buffer).
func readAll(r io.Reader, sizeHint int) ([]byte, error) {
	b := make([]byte, 0, sizeHint+1)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if errors.Is(err, io.EOF) {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// byteCount prints a size the way the limit is usually configured.
func byteCount(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB (%d bytes)", n>>20, n)
	}
	return fmt.Sprintf("%d bytes", n)
}
