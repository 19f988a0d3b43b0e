package ui

import (
	"strconv"
	"strings"
)

// The reports as the converter's API returns them: the JSON of the core
// package's report types (the shapes of `cnn2snn … --json`). Only the
// fields the page shows are listed.

// InspectReport describes a Keras model as read from its files.
type InspectReport struct {
	Name         string         `json:"name"`
	Format       string         `json:"format"`
	KerasVersion string         `json:"keras_version"`
	TotalParams  int            `json:"total_params"`
	Layers       []InspectLayer `json:"layers"`
}

// InspectLayer is one Keras layer.
type InspectLayer struct {
	Name        string     `json:"name"`
	ClassName   string     `json:"class_name"`
	Inbound     []string   `json:"inbound"`
	OutputShape BatchShape `json:"output_shape"`
	Params      int        `json:"params"`
}

// BatchShape is a Keras shape with its batch dimension; null (nil) is a
// dimension Keras leaves open.
type BatchShape []*int

// String writes the shape as Keras prints it: (None, 28, 28, 1).
func (s BatchShape) String() string {
	if s == nil {
		return "unknown"
	}
	parts := make([]string, len(s))
	for i, d := range s {
		if d == nil {
			parts[i] = "None"
		} else {
			parts[i] = strconv.Itoa(*d)
		}
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// Report is a check of a Keras model (core.CheckReport).
type Report struct {
	Model        string            `json:"model"`
	Compatible   bool              `json:"compatible"`
	Origin       string            `json:"origin"` // "float", "cnn2snn" or "quantizeml"
	Target       string            `json:"target"`
	InputScaling *InputScaling     `json:"input_scaling"`
	Blocks       []Block           `json:"blocks"`
	Diagnostics  []Diagnostic      `json:"diagnostics"`
	Rules        map[string]string `json:"rules"` // rule name → its documentation
	Steps        []string          `json:"steps"`
	Warnings     []string          `json:"warnings"`
	Keras        *InspectReport    `json:"keras"` // the Keras model's layers, as inspect reports them
}

// ConvertReport is the check of a converted model and what it produced.
type ConvertReport struct {
	Report
	Summary  string     `json:"summary"`
	Akida    AkidaModel `json:"akida"`
	Layers   int        `json:"layers"`
	Weights  int        `json:"weights"`
	FBZBytes int        `json:"fbz_bytes"`
}

// InputScaling is the input scaling a conversion used and where it came
// from: "rescaling" (a Rescaling layer, named in Layer), "option" or
// "default".
type InputScaling struct {
	Scale  float64 `json:"scale"`
	Shift  float64 `json:"shift"`
	Source string  `json:"source"`
	Layer  string  `json:"layer"`
}

// Block is one Akida layer and the Keras layers it is made of.
type Block struct {
	AkidaLayer     string   `json:"akida_layer"`
	AkidaType      string   `json:"akida_type"`
	KerasLayers    []string `json:"keras_layers"`
	OutputShape    []int    `json:"output_shape"`
	WeightBits     int      `json:"weight_bits"`
	ActivationBits int      `json:"activation_bits"`
	Incompatible   []string `json:"incompatible_layers"`
}

// Diagnostic is one problem and the rule that found it; Doc is the rule's
// documentation, taken from the report's rules.
type Diagnostic struct {
	Layer   string `json:"layer"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
	Doc     string `json:"-"`
}

// withDocs returns the report with each diagnostic's rule documentation.
func (r Report) withDocs() Report {
	for i, d := range r.Diagnostics {
		r.Diagnostics[i].Doc = r.Rules[d.Rule]
	}
	return r
}

// SummaryReport describes an Akida model: an opened .fbz, or the result
// of a conversion.
type SummaryReport struct {
	Bytes   int        `json:"fbz_bytes"`
	Summary string     `json:"summary"`
	Model   AkidaModel `json:"model"`
}

// AkidaModel is an Akida model's description.
type AkidaModel struct {
	Version     string       `json:"version"`
	IPVersion   string       `json:"ip_version"`
	InputShape  []int        `json:"input_shape"`
	OutputShape []int        `json:"output_shape"`
	Layers      []AkidaLayer `json:"layers"`
}

// AkidaLayer is one Akida layer.
type AkidaLayer struct {
	Name        string           `json:"name"`
	Type        string           `json:"type"`
	Params      map[string]int32 `json:"params"`
	Variables   []AkidaVariable  `json:"variables"`
	Inbounds    []string         `json:"inbounds"`
	OutputShape []int            `json:"output_shape"`
}

// AkidaVariable is one variable of an Akida layer (without its data).
type AkidaVariable struct {
	Name  string `json:"name"`
	Type  string `json:"type"`
	Shape []int  `json:"shape"`
}

// weightCount counts the weight values of an Akida model, as the
// converter's report does: the "weights" and "weights_pw" variables.
func weightCount(m AkidaModel) int {
	n := 0
	for _, l := range m.Layers {
		for _, v := range l.Variables {
			if v.Name != "weights" && v.Name != "weights_pw" {
				continue
			}
			size := 1
			for _, d := range v.Shape {
				size *= d
			}
			n += size
		}
	}
	return n
}

// VerifyReport is what verify resolves to (core.VerifyReport): the Akida
// model run against the quantized Keras model on seeded inputs.
type VerifyReport struct {
	Model   string      `json:"model"`
	Samples int         `json:"samples"`
	Seed    uint64      `json:"seed"`
	Input   VerifyInput `json:"input"`
	// OutputAgreement is the top-1 agreement of Akida with the quantized
	// Keras model; FloatTop1Agreement with the float model (null when the
	// model was given quantized).
	OutputAgreement    float64       `json:"output_agreement"`
	FloatTop1Agreement *float64      `json:"float_top1_agreement"`
	Layers             []VerifyLayer `json:"layers"`
	// Levels counts the activation values compared with each layer run
	// alone; BoundaryCases those one level above Keras because of
	// cnn2snn's floored thresholds.
	Levels        int      `json:"levels"`
	BoundaryCases int      `json:"boundary_cases"`
	BoundaryRate  float64  `json:"boundary_rate"`
	Unexplained   int      `json:"unexplained"`
	Proved        bool     `json:"proved"`
	Clamped       []string `json:"clamped"`
	Notes         []string `json:"notes"`
}

// VerifyInput says how the seeded inputs were drawn, in a sentence.
type VerifyInput struct {
	Text string `json:"text"`
}

// VerifyLayer compares one Akida layer with the Keras layer it stands for:
// through the whole model (chained), and alone, fed the Keras values of
// the layer before it.
type VerifyLayer struct {
	Name         string         `json:"name"`
	Type         string         `json:"type"`
	Keras        string         `json:"keras_layer"`
	Activation   bool           `json:"activation"` // levels; false: potentials of a last layer
	Agreement    float64        `json:"agreement"`
	MaxLevelDiff float64        `json:"max_level_diff"`
	Isolated     VerifyIsolated `json:"isolated"`
}

// VerifyIsolated is one Akida layer run alone.
type VerifyIsolated struct {
	Agreement     float64 `json:"agreement"`
	BoundaryCases int     `json:"boundary_cases"`
	Unexplained   int     `json:"unexplained"`
	Proved        bool    `json:"proved"`
}
