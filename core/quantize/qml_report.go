package quantize

import (
	"strings"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// What the quantizeml mode reports beside its actions: the parameters,
// every quantizer with its bits, sign, axis and calibrated range, and how
// the calibration ran.

// Report modes.
const (
	ModeCNN2SNN    = "cnn2snn"    // cnn2snn.quantize (Akida 1.0)
	ModeQuantizeML = "quantizeml" // quantizeml.quantize (Akida 2.0)
)

// Action kinds of the quantizeml mode (with ActionSplitActivation,
// ActionActivationToReLU, ActionMoveMaxPool, ActionFoldBatchNorm and
// ActionQuantizeLayer, shared with the cnn2snn mode).
const (
	ActionAlignRescaling     = "align-rescaling"       // a Rescaling's offset (and per-channel scale) folded into the next layer
	ActionInvertBatchNorm    = "invert-batchnorm"      // a BatchNormalization moved before the pooling before it
	ActionRemoveZeroPadding  = "remove-zero-padding"   // a ZeroPadding2D removed, the convolution made 'same'
	ActionSplitConcatenate   = "split-concatenate"     // a Concatenate of more than two inputs split
	ActionEvenToOddKernel    = "even-to-odd-kernel"    // an even kernel made odd
	ActionSplitDepthwise     = "split-depthwise"       // a stride-2 5×5/7×7 depthwise convolution split in two
	ActionIdentityConv       = "identity-layer"        // an identity layer inserted
	ActionSplitSeparable     = "split-separable"       // a SeparableConv2D split into depthwise and pointwise (extension)
	ActionAverageToGlobal    = "average-to-global"     // an AveragePooling2D over its whole input made global (extension)
	ActionAverageToDepthwise = "average-to-depthwise"  // an AveragePooling2D made a DepthwiseConv2D (extension)
	ActionInputQuantizer     = "input-quantizer"       // the InputQuantizer added, or the first layer prepared for it
	ActionDequantizer        = "dequantizer"           // a Dequantizer added
	ActionLastOutputBits     = "last-output-bits"      // an output quantizer set by last_output_bits
	ActionEqualize           = "equalize"              // cross-layer equalization of an output quantizer
	ActionFoldZeroPoint      = "fold-zero-point"       // the InputQuantizer's zero point folded into the next layer
	ActionDropPaddingValue   = "drop-padding-value"    // a zero padding_value removed before a max pooling (extension)
	ActionRefuseRequantize   = "refuse-requantization" // bit widths given for a model already quantized
)

// QuantizeMLReport is the quantizeml part of a Report.
type QuantizeMLReport struct {
	Params QuantizationParams `json:"params"`
	// Quantizers are the input and output quantizers with their
	// calibrated ranges, in model order (weight quantizers are in the
	// quantize-layer actions).
	Quantizers  []QuantizerReport `json:"quantizers"`
	Calibration *QMLCalibration   `json:"calibration"`
	// Warnings are quantizeml's warnings, and the transforms it would
	// have skipped silently.
	Warnings []string `json:"warnings"`
}

// Quantizer kinds.
const (
	QuantizerInput  = "input"
	QuantizerOutput = "output"
)

// QuantizerReport is one calibrated quantizer.
type QuantizerReport struct {
	Layer  string `json:"layer"`
	Kind   string `json:"kind"` // QuantizerInput or QuantizerOutput
	Bits   int    `json:"bits"`
	Signed bool   `json:"signed"`
	Axis   string `json:"axis"` // "per-tensor" or "per-axis"
	// Calibrated is the observed range (max |x| for an output quantizer,
	// max x for the input), CalibratedMin the input's observed minimum.
	Calibrated    []float32 `json:"calibrated"`
	CalibratedMin []float32 `json:"calibrated_min,omitempty"`
	// RangeMin, RangeMax and RescalingRate are the values stored.
	RangeMin      []float32 `json:"range_min,omitempty"`
	RangeMax      []float32 `json:"range_max"`
	RescalingRate []float32 `json:"rescaling_rate,omitempty"`
	// EqualizedWith names the layer whose kernel was divided.
	EqualizedWith string `json:"equalized_with,omitempty"`
	Note          string `json:"note,omitempty"`
}

// QMLCalibration says how the calibration ran.
type QMLCalibration struct {
	// Source is CalibrationNPY or CalibrationSeeded.
	Source string `json:"source"`
	// Given is the number of samples in the user's array.
	Given int `json:"given,omitempty"`
	// Samples, BatchSize (0: None) and Epochs are quantizeml's arguments;
	// Batch and Batches what predict made of them (samples per batch,
	// batches per epoch).
	Samples   int `json:"num_samples"`
	BatchSize int `json:"batch_size"`
	Epochs    int `json:"epochs"`
	Batch     int `json:"batch"`
	Batches   int `json:"batches"`
	// Inputs and Seed describe random samples.
	Inputs string `json:"inputs,omitempty"`
	Seed   uint64 `json:"seed,omitempty"`
	// Momentum is the observers' (0.9).
	Momentum float64 `json:"momentum"`
	Text     string  `json:"text"`
}

func (c *QMLCalibration) summary() string {
	on := sprintf("%d random samples (%s, PCG seed %d; extension: quantizeml does not seed them)", c.Samples, c.Inputs, c.Seed)
	if c.Source == CalibrationNPY {
		on = sprintf("the calibration array (%d samples, num_samples %d)", c.Given, c.Samples)
	}
	bs := "None"
	if c.BatchSize != 0 {
		bs = sprintf("%d", c.BatchSize)
	}
	return sprintf("calibrated on %s: batch_size %s gives %d batch(es) of %d per epoch, %d epoch(s); observers keep a moving average of the batch maxima (momentum 0.9)",
		on, bs, c.Batches, c.Batch, c.Epochs)
}

func newQMLReport(m *keras.Model, o QMLOptions) *Report {
	p := o.Params
	return &Report{Model: m.Name, Origin: "float", Mode: ModeQuantizeML, Actions: []Action{}, Changed: []string{},
		Bits: Bits{Weights: p.WeightBits, Activations: p.ActivationBits, InputWeights: p.InputWeightBits},
		QuantizeML: &QuantizeMLReport{Params: p, Quantizers: []QuantizerReport{}, Warnings: []string{},
			Calibration: &QMLCalibration{Samples: o.Samples, BatchSize: o.BatchSize, Epochs: o.Epochs, Momentum: 0.9}}}
}

// warn records a quantizeml warning.
func (r *Report) warn(text string) {
	if r.QuantizeML != nil {
		r.QuantizeML.Warnings = append(r.QuantizeML.Warnings, text)
	}
}

// describeQuantizers is called when the model is built: nothing to add
// beyond what calibration recorded, but quantizers are sorted in model
// order.
func (r *Report) describeQuantizers(g *graph) {
	order := map[string]int{}
	for i, l := range g.m.Layers {
		order[l.Name] = i
	}
	qs := r.QuantizeML.Quantizers
	for i := 1; i < len(qs); i++ {
		for j := i; j > 0 && order[qs[j].Layer] < order[qs[j-1].Layer]; j-- {
			qs[j], qs[j-1] = qs[j-1], qs[j]
		}
	}
}

// qmlText is the quantizeml part of Report.Text.
func (q *QuantizeMLReport) text() string {
	var b strings.Builder
	for _, w := range q.Warnings {
		b.WriteString("warning: " + w + "\n")
	}
	if q.Calibration != nil && q.Calibration.Text != "" {
		b.WriteString(q.Calibration.Text + "\n")
	}
	for _, qr := range q.Quantizers {
		sign := "unsigned"
		if qr.Signed {
			sign = "signed"
		}
		line := sprintf("%s quantizer of %s: %d-bit %s %s, calibrated %s", qr.Kind, qr.Layer, qr.Bits, sign, qr.Axis, floatsText(qr.Calibrated))
		if qr.Kind == QuantizerInput {
			line = sprintf("%s quantizer %s: %d-bit %s %s, range_min %s, range_max %s", qr.Kind, qr.Layer, qr.Bits, sign, qr.Axis, floatsText(qr.RangeMin), floatsText(qr.RangeMax))
		} else {
			line += sprintf(", range_max %s, rescaling_rate %s", floatsText(qr.RangeMax), floatsText(qr.RescalingRate))
			if qr.Note != "" {
				line += " (" + qr.Note + ")"
			}
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}
