package ui

// The reports as the converter's API returns them (the JSON shapes of the
// core package, the same as `cnn2snn … --json`). Only the fields the page
// shows are listed.

// InspectReport describes a Keras model as read from its files.
type InspectReport struct {
	Name         string         `json:"name"`
	Class        string         `json:"class"`
	Format       string         `json:"format"`
	KerasVersion string         `json:"keras_version"`
	Params       int            `json:"params"`
	Layers       []InspectLayer `json:"layers"`
}

// InspectLayer is one Keras layer.
type InspectLayer struct {
	Name        string   `json:"name"`
	Class       string   `json:"class"`
	Inbound     []string `json:"inbound"`
	OutputShape []int    `json:"output_shape"`
	Params      int      `json:"params"`
}

// Report is a check or a conversion of a Keras model.
type Report struct {
	Model        string        `json:"model"`
	Origin       string        `json:"origin"` // "float", "cnn2snn" or "quantizeml"
	Target       string        `json:"target"`
	Compatible   bool          `json:"compatible"`
	InputScaling *InputScaling `json:"input_scaling"`
	Blocks       []Block       `json:"blocks"`
	Diagnostics  []Diagnostic  `json:"diagnostics"`
	Warnings     []string      `json:"warnings"`
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

// Diagnostic is one problem, with the rule that found it and the rule's
// documentation.
type Diagnostic struct {
	Layer   string `json:"layer"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
	Doc     string `json:"doc"`
}

// SummaryReport describes an Akida model.
type SummaryReport struct {
	File    string     `json:"file"`
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
