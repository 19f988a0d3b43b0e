package core

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz"
)

// Option is one conversion option as every front end names and reads it:
// the CLI (--name), the Worker (?query=) and the JavaScript API ({js: …}).
// OptionTable lists them all, so an option is written once: its names, its
// documentation and its parsers. The values' meaning (a positive scale,
// the bit widths a target allows) is checked by ValidateOptions.
type Option struct {
	Name  string // the CLI flag and the option's name in messages: "input-scaling"
	Query string // the Worker's query parameter: "input_scaling"; "" when the Worker has no such option
	JS    string // the JavaScript API's key: "inputScaling"
	// Form is the text form of a value, short ("A,B", "v1|v2"); Doc says
	// what the option does and its default, in one line; Must and JSMust
	// say what a value must be, in the text form and in JavaScript.
	Form, Doc, Must, JSMust string
	// File: the value is a file's bytes; the CLI takes a path and reads it.
	File bool
	// Bool: a flag that takes no value on the command line (--name means
	// true).
	Bool bool

	text func(o *Options, s string) bool // reads the text form; false: malformed
	// js reads the JavaScript form (nil: a string in the text form); it
	// returns errMalformed, or an error that says more.
	js func(o *Options, v any) error
}

// errMalformed: the value is not of the option's form (the caller says
// which form).
var errMalformed = errors.New("malformed")

// SetText reads one value in its text form (a CLI flag, a query
// parameter) into o. The error says what a value must look like; the
// caller names the option and the value its own way.
func (opt Option) SetText(o *Options, s string) error {
	if opt.text == nil || !opt.text(o, s) {
		return fmt.Errorf("must be %s", opt.Must)
	}
	return nil
}

// SetJS reads one value decoded from JavaScript (float64, bool, string,
// []any, map[string]any, or []byte for a typed array) into o; the error
// names the value given.
func (opt Option) SetJS(o *Options, v any) error {
	err := errMalformed
	if opt.js != nil {
		err = opt.js(o, v)
	} else if s, isText := v.(string); isText && opt.text != nil && opt.text(o, s) {
		err = nil
	}
	if err == errMalformed {
		return fmt.Errorf("must be %s; got %s", opt.JSMust, Describe(v))
	}
	return err
}

// SetFile reads a File option's bytes into o.
func (opt Option) SetFile(o *Options, data []byte) error { return opt.SetJS(o, data) }

// OptionTable returns the conversion options, in the order help texts list
// them.
func OptionTable() []Option {
	return []Option{
		{Name: "target", Query: "target", JS: "target", Form: "v1|v2",
			Doc:    "Akida IP version to convert to: v1 (Akida 1.0: AKD1000, AKD1500) or v2 (Akida 2.0); default: v2 for a model quantized with quantizeml, v1 for one quantized with cnn2snn, and for a float model v1 when Akida 1.0 accepts it, else v2 when Akida 2.0 does",
			Must:   "v1 (Akida 1.0) or v2 (Akida 2.0)",
			JSMust: `"v1" (Akida 1.0) or "v2" (Akida 2.0)`,
			text:   textTarget},
		{Name: "input-scaling", Query: "input_scaling", JS: "inputScaling", Form: "A,B",
			Doc:    "Akida input = A × Keras input + B (Akida 1.0; default: from a leading Rescaling layer, else 1,0)",
			Must:   "two numbers A,B such that the Akida input is A × Keras input + B, e.g. 255,0 for 8-bit images",
			JSMust: "[scale, offset], two numbers, e.g. [255, 0] for 8-bit images",
			text:   textInputScaling, js: jsInputScaling},
		{Name: "input-is-image", Query: "input_is_image", JS: "inputIsImage", Form: "true|false", Bool: true,
			Doc:    "false: feed the first layer from an InputData layer even for 1 or 3-channel inputs (Akida 1.0, cnn2snn 2.3.7's input_is_image)",
			Must:   "true or false",
			JSMust: "true or false",
			text:   textBool(inputIsImage), js: jsBool(inputIsImage)},
		{Name: "quantize", Query: "quantize", JS: "quantize", Form: "W,A,I",
			Doc:    "bit widths to quantize a float model with: weights, activations, first-layer weights (default 4,4,8 for Akida 1.0, 8,8,8 for Akida 2.0); on a model quantized with cnn2snn, re-quantize it with them",
			Must:   "three bit widths W,A,I (weights, activations, first-layer weights), e.g. 4,4,8",
			JSMust: "an object {weights, activations, inputWeights} of bit widths, e.g. {weights: 4, activations: 4, inputWeights: 8}",
			text:   textQuantize, js: jsQuantize},
		{Name: "output-bits", Query: "output_bits", JS: "outputBits", Form: "N",
			Doc:    "Akida 2.0: the bit width of outputs that are not activations (a convolution before another one, an Add, a pooling); quantizeml's output_bits (default 8)",
			Must:   "a whole number of bits from 1 to 8, e.g. 8",
			JSMust: "a whole number of bits from 1 to 8, e.g. 8",
			text:   textOutputBits, js: jsOutputBits},
		{Name: "per-tensor-activations", Query: "per_tensor_activations", JS: "perTensorActivations", Form: "true|false", Bool: true,
			Doc:    "Akida 2.0: one range per activation tensor instead of one per channel (quantizeml's per_tensor_activations; default true: quantizeml asks for it with random calibration samples, and refuses a Flatten after per-channel activations)",
			Must:   "true or false",
			JSMust: "true or false",
			text:   textBool(perTensorActivations), js: jsBool(perTensorActivations)},
		{Name: "input-dtype", Query: "input_dtype", JS: "inputDtype", Form: "uint8|int8|uint16|int16",
			Doc:    "Akida 2.0: the integer type a float input is quantized to (quantizeml's input_dtype; default uint8)",
			Must:   "uint8, int8, uint16 or int16",
			JSMust: `"uint8", "int8", "uint16" or "int16"`,
			text:   textInputDtype},
		{Name: "calibration", JS: "calibration", Form: "X.npy", File: true,
			Doc:    "a NumPy array of model inputs (batch first) on which the quantizer calibrates (default: random samples)",
			JSMust: "the bytes of a .npy file (a Uint8Array)",
			js:     jsCalibration},
		{Name: "calibration-samples", Query: "calibration_samples", JS: "calibrationSamples", Form: "N",
			Doc:    "the number of calibration samples: random ones to draw, or quantizeml's num_samples with --calibration (default: 16 for Akida 1.0; 128 random ones, or 1024 with an array as quantizeml, for Akida 2.0)",
			Must:   "a whole number of samples, 1 or more",
			JSMust: "a whole number of samples, 1 or more",
			text:   textPositive(func(o *Options) *int { return &o.CalibrationSamples }), js: jsPositive(func(o *Options) *int { return &o.CalibrationSamples })},
		{Name: "calibration-batch-size", Query: "calibration_batch_size", JS: "calibrationBatchSize", Form: "B",
			Doc:    "Akida 2.0: quantizeml's calibration batch_size (default None: batches of ceil(samples in the array / num_samples), 1 for random samples)",
			Must:   "a whole number of samples, 1 or more",
			JSMust: "a whole number of samples, 1 or more",
			text:   textPositive(func(o *Options) *int { return &o.CalibrationBatchSize }), js: jsPositive(func(o *Options) *int { return &o.CalibrationBatchSize })},
		{Name: "calibration-epochs", Query: "calibration_epochs", JS: "calibrationEpochs", Form: "E",
			Doc:    "Akida 2.0: the number of passes over the calibration samples (quantizeml's epochs, default 1)",
			Must:   "a whole number of passes, 1 or more",
			JSMust: "a whole number of passes, 1 or more",
			text:   textPositive(func(o *Options) *int { return &o.CalibrationEpochs }), js: jsPositive(func(o *Options) *int { return &o.CalibrationEpochs })},
		{Name: "akida-version", JS: "akidaVersion", Form: "X.Y.Z",
			Doc:    "the akida version string written in the .fbz (default " + fbz.DefaultVersion + ")",
			Must:   "a version string such as " + fbz.DefaultVersion,
			JSMust: `a version string such as "` + fbz.DefaultVersion + `"`,
			text:   textAkidaVersion},
	}
}

// LookupOption finds an option by any of its names.
func LookupOption(name string) (Option, bool) {
	for _, opt := range OptionTable() {
		if name == opt.Name || name == opt.JS || (opt.Query != "" && name == opt.Query) {
			return opt, true
		}
	}
	return Option{}, false
}

func textTarget(o *Options, s string) bool {
	switch t := akida.IPVersion(s); t {
	case akida.IPv1, akida.IPv2:
		o.Target = string(t)
		return true
	}
	return false
}

func textInputScaling(o *Options, s string) bool {
	p, ok := parseNumbers(s, 2)
	if ok {
		o.InputScaling = &[2]float64{p[0], p[1]}
	}
	return ok
}

func jsInputScaling(o *Options, v any) error {
	arr, ok := v.([]any)
	if !ok || len(arr) != 2 {
		return errMalformed
	}
	a, okA := finite(arr[0])
	b, okB := finite(arr[1])
	if !okA || !okB {
		return errMalformed
	}
	o.InputScaling = &[2]float64{a, b}
	return nil
}

func textQuantize(o *Options, s string) bool {
	p, ok := parseNumbers(s, 3)
	if !ok {
		return false
	}
	var w [3]int
	for i, x := range p {
		if x != math.Trunc(x) || x < 0 || x > 32 {
			return false
		}
		w[i] = int(x)
	}
	o.Quantize = QuantizeOptions{Weights: w[0], Activations: w[1], InputWeights: w[2]}
	return true
}

// jsQuantize reads {weights, activations, inputWeights}; a missing or null
// field takes the default.
func jsQuantize(o *Options, v any) error {
	obj, ok := v.(map[string]any)
	if !ok {
		return errMalformed
	}
	var b QuantizeOptions
	fields := map[string]*int{"weights": &b.Weights, "activations": &b.Activations, "inputWeights": &b.InputWeights}
	for _, key := range slices.Sorted(maps.Keys(obj)) {
		dst, known := fields[key]
		if !known {
			return fmt.Errorf("has no field %q; its fields are weights, activations, inputWeights", key)
		}
		val := obj[key]
		if val == nil {
			continue
		}
		n, ok := finite(val)
		if !ok || n != math.Trunc(n) || n < 1 || n > 32 {
			return fmt.Errorf("%s must be a whole number of bits such as 4 or 8; got %s", key, Describe(val))
		}
		*dst = int(n)
	}
	o.Quantize = b
	return nil
}

func textOutputBits(o *Options, s string) bool {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 || n > 32 {
		return false
	}
	o.OutputBits = n
	return true
}

func jsOutputBits(o *Options, v any) error {
	n, ok := finite(v)
	if !ok || n != math.Trunc(n) || n < 1 || n > 32 {
		return errMalformed
	}
	o.OutputBits = int(n)
	return nil
}

func textInputDtype(o *Options, s string) bool {
	switch s {
	case "uint8", "int8", "uint16", "int16":
		o.InputDtype = s
		return true
	}
	return false
}

// The optional booleans an option sets.
func inputIsImage(o *Options) **bool         { return &o.InputIsImage }
func perTensorActivations(o *Options) **bool { return &o.PerTensorActivations }

// textBool reads true or false (strconv.ParseBool's forms) into the field
// field returns.
func textBool(field func(*Options) **bool) func(*Options, string) bool {
	return func(o *Options, s string) bool {
		b, err := strconv.ParseBool(s)
		if err == nil {
			*field(o) = &b
		}
		return err == nil
	}
}

// jsBool reads a JavaScript boolean into the field field returns.
func jsBool(field func(*Options) **bool) func(*Options, any) error {
	return func(o *Options, v any) error {
		b, ok := v.(bool)
		if !ok {
			return errMalformed
		}
		*field(o) = &b
		return nil
	}
}

// maxCount bounds the counts an option takes (samples, batch size,
// epochs), so that a parsed value always fits an int.
const maxCount = 1 << 30

// textPositive reads a whole number ≥ 1 into the field field returns.
func textPositive(field func(*Options) *int) func(*Options, string) bool {
	return func(o *Options, s string) bool {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > maxCount {
			return false
		}
		*field(o) = n
		return true
	}
}

func jsPositive(field func(*Options) *int) func(*Options, any) error {
	return func(o *Options, v any) error {
		n, ok := finite(v)
		if !ok || n != math.Trunc(n) || n < 1 || n > maxCount {
			return errMalformed
		}
		*field(o) = int(n)
		return nil
	}
}

func jsCalibration(o *Options, v any) error {
	b, ok := v.([]byte)
	if !ok {
		return errMalformed
	}
	o.Calibration = b
	return nil
}

func textAkidaVersion(o *Options, s string) bool {
	o.AkidaVersion = s
	return true
}

// parseNumbers reads n comma-separated finite numbers.
func parseNumbers(s string, n int) ([]float64, bool) {
	fields := strings.Split(s, ",")
	if len(fields) != n {
		return nil, false
	}
	out := make([]float64, n)
	for i, f := range fields {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, false
		}
		out[i] = v
	}
	return out, true
}

func finite(v any) (float64, bool) {
	f, ok := v.(float64)
	return f, ok && !math.IsNaN(f) && !math.IsInf(f, 0)
}

// Describe names a value decoded from JavaScript in an error message the
// way a JavaScript user thinks of it.
func Describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "nothing (null or undefined)"
	case bool:
		return fmt.Sprintf("the boolean %v", v)
	case float64:
		return fmt.Sprintf("the number %v", v)
	case string:
		if len(v) > 40 {
			v = v[:40] + "…"
		}
		return fmt.Sprintf("the string %q", v)
	case []byte:
		return fmt.Sprintf("a Uint8Array of %d bytes", len(v))
	case []any:
		return fmt.Sprintf("an array of %d items", len(v))
	case map[string]any:
		if len(v) == 0 {
			return "an empty object"
		}
		return "an object with keys " + strings.Join(slices.Sorted(maps.Keys(v)), ", ")
	}
	return fmt.Sprintf("a %T", v)
}
