package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/sim"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/infer"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/npy"
)

// predictUsage documents the command, its input shapes and its outputs.
const predictUsage = `usage: cnn2snn predict MODEL... --input X.npy [-o Y.npy] [--json]

Runs a model on a NumPy batch and writes its float32 outputs.

MODEL is an Akida .fbz file, simulated in integers. Akida 1.0: with
akida's predict semantics, (potential - threshold) / act_step, when the
last layer has no activation, else akida's forward activation levels.
Akida 2.0: the float outputs of a last Dequantizer (akida predict), else
the last layer's integers (akida forward). Inputs must be integers within
the model's input bits (0-255 for an image model, -128-127 for a signed
8-bit InputData), or floats for a model that starts with a Quantizer. Or
MODEL is a Keras model (.h5, .keras, weights .h5 + .json, TF.js
model.json + .bin), run in float32.

X.npy holds a batch (N, X, Y, C); for an .fbz also one sample (X, Y, C),
or (N, C) when the model's input is (1, 1, C).

Without -o the outputs are printed: one row per sample with its argmax
and its first values, or all of them as JSON with --json:
{"shape": [N, ...], "semantics": "akida predict"|"akida forward"|"keras",
 "outputs": [[sample 0 values...], ...]} (values in C order).
`

// maxPrintedValues is how many values of a sample the table shows.
const maxPrintedValues = 16

// prediction is what predict prints or writes: float32 outputs with
// their shape (batch first) and how they were computed.
type prediction struct {
	Shape     []int
	Data      []float32
	Semantics string
}

func runPredict(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("predict", flag.ContinueOnError)
	fl.SetOutput(stderr)
	inputPath := fl.String("input", "", "the input batch, a NumPy .npy file (required)")
	outputPath := fl.String("o", "", "write the outputs as a float32 .npy file instead of printing them")
	asJSON := fl.Bool("json", false, "print all outputs as JSON")
	fl.Usage = func() {
		io.WriteString(stderr, predictUsage)
		fl.PrintDefaults()
	}
	models, err := parseInterspersed(fl, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if len(models) == 0 || *inputPath == "" {
		fl.Usage()
		return 2
	}
	input, err := readNPY(*inputPath)
	if err != nil {
		fmt.Fprintf(stderr, "cnn2snn: %s: %v\n", *inputPath, err)
		return 1
	}
	files, err := readInputFiles(models)
	if err != nil {
		fmt.Fprintf(stderr, "cnn2snn: %v\n", err)
		return 1
	}
	var pred *prediction
	if core.DetectKind(files) == core.KindFBZ { // by content, as every front end tells it
		pred, err = predictAkida(files[0].Data, input)
		if err != nil {
			fmt.Fprintf(stderr, "cnn2snn: %s: %v\n", models[0], err)
			return 1
		}
	} else {
		pred, err = predictKeras(models, files, input)
		if err != nil {
			fmt.Fprintf(stderr, "cnn2snn: %v\n", err)
			return 1
		}
	}
	if *outputPath != "" {
		if err := writeNPY(*outputPath, pred); err != nil {
			fmt.Fprintf(stderr, "cnn2snn: %s: %v\n", *outputPath, err)
			return 1
		}
	}
	switch {
	case *asJSON:
		b, err := predictionJSON(pred)
		if err != nil {
			fmt.Fprintf(stderr, "cnn2snn: %v\n", err)
			return 1
		}
		stdout.Write(b)
	case *outputPath == "":
		io.WriteString(stdout, predictionTable(pred))
	}
	return 0
}

// readNPY reads and decodes a .npy file.
func readNPY(path string) (*npy.Array, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the file: %s", readError(err))
	}
	return npy.Decode(data)
}

// predictAkida simulates an .fbz model on the batch.
func predictAkida(data []byte, a *npy.Array) (*prediction, error) {
	m, err := fbz.Decode(data)
	if err != nil {
		return nil, err
	}
	s, err := sim.New(m)
	if err != nil {
		return nil, err
	}
	in, err := akidaInput(a, s)
	if err != nil {
		return nil, err
	}
	out := &prediction{}
	if !s.FloatOutput() {
		o, err := s.Forward(in, sim.Options{})
		if err != nil {
			return nil, err
		}
		out.Shape, out.Semantics = o.Shape[:], "akida forward"
		out.Data = make([]float32, len(o.Data))
		for i, v := range o.Data {
			out.Data[i] = float32(v)
		}
		return out, nil
	}
	p, err := s.Predict(in, sim.Options{})
	if err != nil {
		return nil, err
	}
	out.Shape, out.Data, out.Semantics = p.Shape[:], p.Data, "akida predict"
	return out, nil
}

// akidaInput turns a NumPy batch into the simulator's input of the type
// the model reads: the shape is adapted as predictUsage says, and the
// values must be integers 0…255 (unsigned inputs) or −128…127 (signed
// inputs; the simulator then checks the model's input bits), or any
// finite numbers (float inputs of a Quantizer).
func akidaInput(a *npy.Array, s *sim.Simulator) (sim.Input, error) {
	want := s.InputShape()
	var shape [4]int
	switch {
	case len(a.Shape) == 4:
		shape = [4]int(a.Shape)
	case len(a.Shape) == 3 && a.Shape[0] == want[0] && a.Shape[1] == want[1] && a.Shape[2] == want[2]:
		shape = [4]int{1, a.Shape[0], a.Shape[1], a.Shape[2]}
	case len(a.Shape) == 2 && want[0] == 1 && want[1] == 1:
		shape = [4]int{a.Shape[0], 1, 1, a.Shape[1]}
	default:
		return sim.Input{}, fmt.Errorf("the input has shape %v, the model takes (N, %d, %d, %d): give a batch of that shape", a.Shape, want[0], want[1], want[2])
	}
	switch s.InputType() {
	case sim.Int8Input:
		values, err := signedValues(a)
		return sim.Input{Shape: shape, Int8: values}, err
	case sim.Float32Input:
		values, err := a.Float32s()
		return sim.Input{Shape: shape, Float: values}, err
	}
	values, err := integerValues(a)
	if err != nil {
		return sim.Input{}, err
	}
	return sim.Input{Shape: shape, Data: values}, nil
}

// signedValues reads the array's values as int8, refusing any value that
// is not an integer −128…127: the model's InputData takes signed 8-bit
// integers.
func signedValues(a *npy.Array) ([]int8, error) {
	values, err := exactValues(a)
	if err != nil {
		return nil, err
	}
	out := make([]int8, len(values))
	for i, v := range values {
		if v != math.Trunc(v) || v < math.MinInt8 || v > math.MaxInt8 {
			return nil, fmt.Errorf("input value %s at flat index %d is not an integer -128…127: this Akida model takes signed 8-bit inputs (its InputData has input_signed=1); quantize the inputs first", shortest(v), i)
		}
		out[i] = int8(v)
	}
	return out, nil
}

// integerValues reads the array's values as uint8, refusing any value
// that is not an integer 0…255: Akida models take integer inputs.
func integerValues(a *npy.Array) ([]uint8, error) {
	if a.Descr == "|u1" {
		return a.Data, nil
	}
	values, err := exactValues(a)
	if err != nil {
		return nil, err
	}
	out := make([]uint8, len(values))
	for i, v := range values {
		if v != math.Trunc(v) || v < 0 || v > 255 {
			return nil, fmt.Errorf("input value %s at flat index %d is not an integer 0…255: Akida models take integer inputs (uint8 images, or values within the input bits); quantize the inputs first", shortest(v), i)
		}
		out[i] = uint8(v)
	}
	return out, nil
}

// shortest formats v with the fewest digits that identify it, as a
// float32 when it is one (0.48463696 rather than 0.48463696241378784).
func shortest(v float64) string {
	if float64(float32(v)) == v {
		return strconv.FormatFloat(v, 'g', -1, 32)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// exactValues returns the array's values as float64 without rounding
// float64 inputs to float32 (which could hide a fraction such as
// 3.0000000001); other types are exact through npy's float32 path within
// the 0…255 range that matters.
func exactValues(a *npy.Array) ([]float64, error) {
	if len(a.Descr) == 3 && a.Descr[1:] == "f8" {
		var order binary.ByteOrder = binary.LittleEndian
		if a.Descr[0] == '>' {
			order = binary.BigEndian
		}
		out := make([]float64, a.Len())
		for i := range out {
			out[i] = math.Float64frombits(order.Uint64(a.Data[8*i:]))
		}
		return out, nil
	}
	f, err := a.Float32s()
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(f))
	for i, v := range f {
		out[i] = float64(v)
	}
	return out, nil
}

// predictKeras runs a Keras model in float32 on the batch. Its errors
// start with the file they are about.
func predictKeras(paths []string, files []core.File, a *npy.Array) (*prediction, error) {
	m, err := keras.Load(files)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", errorFile(err, paths), err)
	}
	all := strings.Join(paths, ", ")
	values, err := a.Float32s()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", all, err)
	}
	res, err := infer.Run(m, infer.Tensor{Shape: a.Shape, Data: values}, infer.Options{})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", all, err)
	}
	if len(res.Outputs) != 1 {
		return nil, fmt.Errorf("%s: the model has %d outputs; predict writes models with one output", all, len(res.Outputs))
	}
	out := res.Outputs[0]
	return &prediction{Shape: out.Shape, Data: out.Data, Semantics: "keras"}, nil
}

// writeNPY writes the outputs as a float32 .npy file.
func writeNPY(path string, p *prediction) error {
	var b bytes.Buffer
	if err := npy.EncodeFloat32(&b, p.Shape, p.Data); err != nil {
		return err
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("cannot write the file: %s", readError(err))
	}
	return nil
}

// predictionJSON is {"shape", "semantics", "outputs": one array per sample}.
func predictionJSON(p *prediction) ([]byte, error) {
	rows := samples(p)
	for i, row := range rows {
		for j, v := range row {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("output %d of sample %d is %v, which JSON cannot hold: use -o to write a .npy file", j, i, v)
			}
		}
	}
	b, err := json.Marshal(struct {
		Shape     []int       `json:"shape"`
		Semantics string      `json:"semantics"`
		Outputs   [][]float32 `json:"outputs"`
	}{p.Shape, p.Semantics, rows})
	return append(b, '\n'), err
}

// samples splits the outputs into one slice per sample.
func samples(p *prediction) [][]float32 {
	n := 0
	if len(p.Shape) > 0 {
		n = p.Shape[0]
	}
	rows := make([][]float32, n)
	if n == 0 {
		return rows
	}
	size := len(p.Data) / n
	for i := range rows {
		rows[i] = p.Data[i*size : (i+1)*size]
	}
	return rows
}

// predictionTable is the compact text form: the shape, then one row per
// sample with its argmax and its first maxPrintedValues values.
func predictionTable(p *prediction) string {
	var b strings.Builder
	dims := make([]string, len(p.Shape))
	for i, d := range p.Shape {
		dims[i] = strconv.Itoa(d)
	}
	fmt.Fprintf(&b, "outputs (%s) float32, %s\n", strings.Join(dims, ", "), p.Semantics)
	b.WriteString("sample  argmax  values\n")
	for i, row := range samples(p) {
		best := 0
		for j, v := range row {
			if v > row[best] {
				best = j
			}
		}
		shown := row[:min(len(row), maxPrintedValues)]
		texts := make([]string, len(shown))
		for j, v := range shown {
			texts[j] = strconv.FormatFloat(float64(v), 'g', 6, 32)
		}
		more := ""
		if len(row) > len(shown) {
			more = fmt.Sprintf(" … (%d more; use -o or --json for all)", len(row)-len(shown))
		}
		argmax := "-"
		if len(row) > 0 {
			argmax = strconv.Itoa(best)
		}
		fmt.Fprintf(&b, "%-7d %-7s %s%s\n", i, argmax, strings.Join(texts, " "), more)
	}
	return b.String()
}
