package api

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core"
)

// options are a request's query parameters: the file name of a raw body
// and the conversion options of core.OptionTable, read by the table's
// parsers (their form only: the converter checks the values, with
// cnn2snn's own messages for a non-positive scale, a bit width Akida does
// not support, …).
type options struct {
	fileName string // filename: the name of a raw-body model
	convert  core.Options
}

// The query parameters each endpoint accepts.
func inspectParams() []string { return []string{"filename"} }
func convertParams() []string {
	params := []string{"filename"}
	for _, opt := range core.OptionTable() {
		if opt.Query != "" {
			params = append(params, opt.Query)
		}
	}
	return params
}

// parseOptions reads the query parameters of endpoint, refusing unknown
// ones: a misspelt option silently ignored would give a model converted
// with the wrong input scaling.
func parseOptions(endpoint string, q url.Values, allowed []string) (options, *problem) {
	o := options{fileName: defaultFileName}
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	sort.Strings(names) // the first problem reported does not depend on map order
	for _, name := range names {
		if !slices.Contains(allowed, name) {
			return o, badRequest(fmt.Sprintf("%s has no option %q; its options are %s", endpoint, name, strings.Join(allowed, ", ")))
		}
		if n := len(q[name]); n > 1 {
			return o, badRequest(fmt.Sprintf("the option %s is given %d times; give it once", name, n))
		}
		if p := o.set(name, q.Get(name)); p != nil {
			return o, p
		}
	}
	return o, nil
}

// set parses one option's value.
func (o *options) set(name, value string) *problem {
	if name == "filename" {
		if value == "" {
			return badRequest("filename= is empty; give the model file's name, e.g. filename=model.h5")
		}
		o.fileName = value
		return nil
	}
	opt, _ := core.LookupOption(name)
	if err := opt.SetText(&o.convert, value); err != nil {
		return badRequest(fmt.Sprintf("%s=%s: %v", name, value, err))
	}
	return nil
}

// core returns the converter's options.
func (o options) core() core.Options { return o.convert }
