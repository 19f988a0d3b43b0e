package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/web/ui"
)

// The attributes of a <cnn2snn-converter> element, as the loader
// (web/cnn2snn.js) hands them over: a JSON object of name → value. The
// option attributes have the command line's names and text forms
// (core.OptionTable), limited to the options the page's options pane
// offers; sample is the URL of the model the sample button opens, already
// resolved against the host page's URL.
var settingNames = []string{"target", "input-scaling", "input-is-image", "quantize", "sample"}

// settings are what the attributes change: the options the page starts
// with and the sample model's URL ("" keeps the bundled one).
type settings struct {
	Form   ui.Form
	Sample string
}

// parseSettings reads the attributes over the page's defaults. The error
// names the attribute, its value and what it must be.
func parseSettings(text string, defaults ui.Form) (settings, error) {
	s := settings{Form: defaults}
	if text == "" {
		return s, nil
	}
	var attrs map[string]string
	if err := json.Unmarshal([]byte(text), &attrs); err != nil {
		return s, fmt.Errorf("the element's attributes did not reach the page: %w", err)
	}
	names := make([]string, 0, len(attrs))
	for name := range attrs {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if !slices.Contains(settingNames, name) {
			return s, fmt.Errorf("<cnn2snn-converter %s=%q>: %s is not an attribute of the converter; its attributes are %s", name, attrs[name], name, strings.Join(settingNames, ", "))
		}
		value := strings.TrimSpace(attrs[name])
		if must := s.set(name, value); must != "" {
			return s, fmt.Errorf("<cnn2snn-converter %s=%q>: %s must be %s", name, attrs[name], name, must)
		}
	}
	return s, nil
}

// set applies one attribute; it returns what the value must be when it is
// not of that form.
func (s *settings) set(name, value string) (must string) {
	f := &s.Form
	switch name {
	case "target":
		if value != "v1" && value != "v2" {
			return "v1 (Akida 1.0) or v2 (Akida 2.0)"
		}
		f.Target = value
	case "input-scaling":
		a, b, ok := strings.Cut(value, ",")
		if _, err := strconv.ParseFloat(strings.TrimSpace(a), 64); !ok || err != nil {
			return "two numbers A,B such that the Akida input is A × Keras input + B, e.g. 255,0 for 8-bit images"
		}
		if _, err := strconv.ParseFloat(strings.TrimSpace(b), 64); err != nil {
			return "two numbers A,B such that the Akida input is A × Keras input + B, e.g. 255,0 for 8-bit images"
		}
		f.Scale, f.Shift = strings.TrimSpace(a), strings.TrimSpace(b)
	case "input-is-image":
		b, err := strconv.ParseBool(value)
		if err != nil {
			return "true or false"
		}
		f.InputIsImage = b
	case "quantize":
		bits := strings.Split(value, ",")
		var w [3]int
		for i, text := range bits {
			n, err := strconv.Atoi(strings.TrimSpace(text))
			if len(bits) != 3 || err != nil || n < 1 || n > 32 {
				return "three bit widths W,A,I (weights, activations, first-layer weights), e.g. 4,4,8"
			}
			w[i] = n
		}
		f.WeightBits, f.ActivationBits, f.InputWeightBits = w[0], w[1], w[2]
	case "sample":
		if value == "" {
			return "the URL of a model file, e.g. models/my_model.h5"
		}
		s.Sample = value
	}
	return ""
}
