package api

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core"
)

// options are a request's query parameters, checked for their syntax
// only: the converter checks their values (cnn2snn's own messages for a
// non-positive scale, a bit width Akida does not support, …).
type options struct {
	fileName     string      // filename: the name of a raw-body model
	inputScaling *[2]float64 // input_scaling=A,B: Akida input = A·Keras input + B
	inputIsImage *bool       // input_is_image=true|false
	quantize     *[3]int     // quantize=W,A,I: weight, activation and input bits
	target       string      // target=v1|v2 (the converter checks the value)
}

// The query parameters each endpoint accepts.
func inspectParams() []string { return []string{"filename"} }
func convertParams() []string {
	return []string{"filename", "input_scaling", "input_is_image", "quantize", "target"}
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
	switch name {
	case "filename":
		if value == "" {
			return badRequest("filename= is empty; give the model file's name, e.g. filename=model.h5")
		}
		o.fileName = value
	case "input_scaling":
		v, ok := parseNumbers(value, 2, parseFloat)
		if !ok {
			return badRequest(fmt.Sprintf("input_scaling=%s: want two numbers A,B such that the Akida input is A·(Keras input)+B, e.g. input_scaling=255,0", value))
		}
		o.inputScaling = &[2]float64{v[0], v[1]}
	case "input_is_image":
		b, err := strconv.ParseBool(value)
		if err != nil {
			return badRequest(fmt.Sprintf("input_is_image=%s: want true or false", value))
		}
		o.inputIsImage = &b
	case "quantize":
		v, ok := parseNumbers(value, 3, strconv.Atoi)
		if !ok {
			return badRequest(fmt.Sprintf("quantize=%s: want three bit widths W,A,I (weights, activations, input), e.g. quantize=4,4,8", value))
		}
		o.quantize = &[3]int{v[0], v[1], v[2]}
	case "target":
		o.target = value
	}
	return nil
}

// core returns the converter's options.
func (o options) core() core.Options {
	c := core.Options{InputScaling: o.inputScaling, InputIsImage: o.inputIsImage, Target: o.target}
	if q := o.quantize; q != nil {
		c.Quantize = core.QuantizeOptions{Weights: q[0], Activations: q[1], InputWeights: q[2]}
	}
	return c
}

// parseNumbers parses exactly n comma-separated numbers.
func parseNumbers[T any](s string, n int, parse func(string) (T, error)) ([]T, bool) {
	fields := strings.Split(s, ",")
	if len(fields) != n {
		return nil, false
	}
	out := make([]T, n)
	for i, f := range fields {
		v, err := parse(strings.TrimSpace(f))
		if err != nil {
			return nil, false
		}
		out[i] = v
	}
	return out, true
}

// parseFloat accepts finite numbers only: NaN or Inf scaling would make
// every threshold meaningless.
func parseFloat(s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err == nil && (math.IsNaN(v) || math.IsInf(v, 0)) {
		return 0, fmt.Errorf("%s is not finite", s)
	}
	return v, err
}
