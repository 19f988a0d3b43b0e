package akida

import "fmt"

// Shape is an Akida tensor shape (x, y, channels); x is Keras' first
// spatial axis (rows), see conversion.md §7.3.
type Shape [3]int

// String formats the shape the way Model.summary() does: "[x, y, c]".
func (s Shape) String() string {
	return fmt.Sprintf("[%d, %d, %d]", s[0], s[1], s[2])
}

// LayerShapes are the input and output shapes of one layer. For a layer
// with several inbounds (Add, Concatenate) Input is the first one's.
type LayerShapes struct {
	Input, Output Shape
}

// Shapes derives every layer's input and output shape from the
// parameters, in model order: input layers from their input_* parameters,
// the others from their inbound layers' outputs.
func (m *Model) Shapes() ([]LayerShapes, error) {
	s, err := m.shapes()
	if err != nil {
		return nil, err
	}
	return s, nil
}

// shapes is Shapes, also returning the shapes derived before an error.
func (m *Model) shapes() ([]LayerShapes, error) {
	if len(m.Layers) == 0 {
		return nil, fmt.Errorf("the model has no layers")
	}
	out := make([]LayerShapes, 0, len(m.Layers))
	index := make(map[string]int, len(m.Layers))
	for i, l := range m.Layers {
		ins := make([]Shape, 0, len(l.Inbounds))
		for _, name := range l.Inbounds {
			j, ok := index[name]
			if !ok {
				return out, fmt.Errorf("layer %q: inbound layer %q is not an earlier layer of the model", l.Name, name)
			}
			ins = append(ins, out[j].Output)
		}
		in, o, err := l.shapes(ins)
		if err != nil {
			return out, fmt.Errorf("layer %q (%s): %w", l.Name, l.Type, err)
		}
		out = append(out, LayerShapes{in, o})
		index[l.Name] = i
	}
	return out, nil
}

// InputShape is the shape of the model's input (its first layer's input).
func (m *Model) InputShape() (Shape, error) {
	s, err := m.Shapes()
	if err != nil {
		return Shape{}, err
	}
	return s[0].Input, nil
}

// OutputShape is the shape of the model's output (its last layer's output).
func (m *Model) OutputShape() (Shape, error) {
	s, err := m.Shapes()
	if err != nil {
		return Shape{}, err
	}
	return s[len(s)-1].Output, nil
}

// LayerOutputShape is the output shape of the named layer.
func (m *Model) LayerOutputShape(name string) (Shape, error) {
	s, err := m.Shapes()
	if err != nil {
		return Shape{}, err
	}
	for i, l := range m.Layers {
		if l.Name == name {
			return s[i].Output, nil
		}
	}
	return Shape{}, fmt.Errorf("the model has no layer %q", name)
}

// shapes derives the layer's input and output shapes from its inbound
// layers' output shapes. For the layers that take two inbounds (Add,
// Concatenate) the input shape is the first inbound's.
func (l *Layer) shapes(ins []Shape) (in, out Shape, err error) {
	if in, err = l.inputShape(ins); err != nil {
		return in, out, err
	}
	p := &l.Params
	switch l.Type {
	case InputData, Quantizer, Dequantizer:
		out = in
	case BufferTempConv, DepthwiseBufferTempConv:
		// A temporal convolution works frame by frame over a FIFO of past
		// frames: the spatial size stays.
		if f := p.Int("fifo_size"); f <= 0 {
			return in, out, fmt.Errorf("fifo_size %d must be positive", f)
		}
		out = in
		if l.Type == BufferTempConv {
			out[2] = p.Int("filters")
		}
	case InputConvolutional, Convolutional, SeparableConvolutional:
		out, err = convShape(in, p.Int("kernel_width"), p.Int("kernel_height"), p.Int("stride_x"), p.Int("stride_y"), Padding(p.Value("padding")))
		if err == nil {
			out, err = poolShape(out, PoolType(p.Value("pool_type")), p.Int("pooling_width"), p.Int("pooling_height"),
				p.Int("pooling_stride_x"), p.Int("pooling_stride_y"), Padding(p.Value("padding")))
		}
		out[2] = p.Int("filters")
	case InputConv2D, Conv2D, DepthwiseConv2D:
		// Akida 2.0 kernels, strides and pools are square. The pool uses
		// the layer's padding: cnn2snn stores the MaxPool's padding there
		// (conversion-v2.md §2.0).
		k, s, ps := p.Int("kernel_size"), p.Int("kernel_stride"), p.Int("pool_size")
		out, err = convShape(in, k, k, s, s, Padding(p.Value("padding")))
		if err == nil {
			out, err = poolShape(out, PoolType(p.Value("pool_type")), ps, ps, p.Int("pool_stride"), p.Int("pool_stride"), Padding(p.Value("padding")))
		}
		if l.Type != DepthwiseConv2D {
			out[2] = p.Int("filters")
		}
	case Conv2DTranspose, DepthwiseConv2DTranspose:
		// Akida's transposed convolutions only do stride 2 with Same
		// padding (conversion-v2.md §2.6): Keras gives in × stride.
		if k := p.Int("kernel_size"); k <= 0 {
			return in, out, fmt.Errorf("kernel %dx%d: the kernel must be positive", k, k)
		}
		out = Shape{2 * in[0], 2 * in[1], in[2]}
		if l.Type == Conv2DTranspose {
			out[2] = p.Int("filters")
		}
	case FullyConnected, Dense1D:
		out = Shape{1, 1, p.Int("units")}
	case Add:
		if ins[0] != ins[1] {
			return in, out, fmt.Errorf("its inbounds %q and %q have different shapes %v and %v: Add needs equal shapes", l.Inbounds[0], l.Inbounds[1], ins[0], ins[1])
		}
		out = in
	case Concatenate:
		if ins[0][0] != ins[1][0] || ins[0][1] != ins[1][1] {
			return in, out, fmt.Errorf("its inbounds %q and %q have different spatial sizes %v and %v: Concatenate joins channels of equal width and height", l.Inbounds[0], l.Inbounds[1], ins[0], ins[1])
		}
		out = Shape{in[0], in[1], ins[0][2] + ins[1][2]}
	case StatefulRecurrent:
		// Its time steps are subsampled, down- and upshaped; how Akida lays
		// time steps on (x, y, channels) is documented nowhere.
		return in, out, fmt.Errorf("the output shape of a StatefulRecurrent layer is not known to this program (no source says how Akida lays out its time steps)")
	default:
		return in, out, fmt.Errorf("the output shape of this layer type is not known to this program")
	}
	if err == nil && out[2] <= 0 {
		err = fmt.Errorf("its output would have %d channels: set filters or units to a positive number", out[2])
	}
	return in, out, err
}

// inputShape is the layer's input shape: its own input_* parameters for
// the input layers, its (first) inbound's output shape for the others. It
// checks the number of inbounds, and that an InputData fed by another layer
// (a Quantizer, in Akida 2.0) describes that layer's output.
func (l *Layer) inputShape(ins []Shape) (Shape, error) {
	if !l.Type.IsInput() {
		if want := l.Type.Inbounds(); len(ins) != want {
			return Shape{}, fmt.Errorf("it has %d inbound layers; %s", len(ins), takes(l.Type))
		}
		return ins[0], nil
	}
	p := &l.Params
	x, y := "input_width", "input_height"
	if l.Type == InputConv2D {
		x, y = "input_x", "input_y"
	}
	in := Shape{p.Int(x), p.Int(y), p.Int("input_channels")}
	if in[0] <= 0 || in[1] <= 0 || in[2] <= 0 {
		return in, fmt.Errorf("input shape %v must be positive: set %s, %s and input_channels", in, x, y)
	}
	switch {
	case len(ins) == 0:
	case (l.Type == InputData || l.Type == InputConv2D) && len(ins) == 1:
		// A Quantizer in front (Akida 2.0): cnn2snn adds the input
		// convolution after the Quantizer of an InputQuantizer
		// (conversion-v2.md §1.2), so akida accepts that inbound.
		if ins[0] != in {
			return in, fmt.Errorf("its input shape %v is not the output shape %v of its inbound layer %q", in, ins[0], l.Inbounds[0])
		}
	default:
		return in, fmt.Errorf("it has %d inbound layers; %s", len(ins), takes(l.Type))
	}
	return in, nil
}

// takes says how many inbound layers a layer type takes.
func takes(t LayerType) string {
	switch {
	case t == InputData, t == InputConv2D:
		return "an " + t.String() + " takes none, or one (a Quantizer) whose output it describes"
	case t.IsInput():
		return "it reads the model input and takes none"
	case t.Inbounds() == 2:
		return fmt.Sprintf("%s takes exactly 2", t)
	}
	return "it takes exactly 1"
}

// convShape is the output size of a convolution, with Keras' padding
// rules: Same keeps ceil(in/stride), Valid ceil((in-kernel+1)/stride).
func convShape(in Shape, kx, ky, sx, sy int, pad Padding) (Shape, error) {
	if kx <= 0 || ky <= 0 || sx <= 0 || sy <= 0 {
		return in, fmt.Errorf("kernel %dx%d with stride %dx%d: kernel and stride must be positive", kx, ky, sx, sy)
	}
	x, err := windowSize(in[0], kx, sx, pad)
	if err != nil {
		return in, err
	}
	y, err := windowSize(in[1], ky, sy, pad)
	return Shape{x, y, in[2]}, err
}

// poolShape applies the pooling of a layer. Average pooling with a
// negative size is global (pool_type=2, pooling_width=-1 in real files).
// A negative pool stride means the pool size. The pool uses the layer's
// padding: cnn2snn refuses a MaxPool whose padding differs from its conv.
func poolShape(in Shape, t PoolType, px, py, sx, sy int, pad Padding) (Shape, error) {
	switch {
	case t == NoPooling:
		return in, nil
	case t == AveragePooling && (px <= 0 || py <= 0):
		return Shape{1, 1, in[2]}, nil
	case t != MaxPooling && t != AveragePooling:
		return in, fmt.Errorf("pool_type %d is not NoPooling (0), MaxPooling (1) or AveragePooling (2)", t)
	case px <= 0 || py <= 0:
		return in, fmt.Errorf("pool size %dx%d must be positive for max pooling", px, py)
	}
	if sx <= 0 {
		sx = px
	}
	if sy <= 0 {
		sy = py
	}
	x, err := windowSize(in[0], px, sx, pad)
	if err != nil {
		return in, err
	}
	y, err := windowSize(in[1], py, sy, pad)
	return Shape{x, y, in[2]}, err
}

// windowSize is the number of positions of a window of size k and stride
// s over n inputs.
func windowSize(n, k, s int, pad Padding) (int, error) {
	if pad == Valid {
		if n < k {
			return 0, fmt.Errorf("a window of %d does not fit an input of %d with Valid padding", k, n)
		}
		return (n-k)/s + 1, nil
	}
	return (n + s - 1) / s, nil
}

// layerShapes returns the input and output shapes of one layer of m.
func (m *Model) layerShapes(l *Layer) (in, out Shape, err error) {
	s, err := m.shapes()
	for i, x := range m.Layers {
		if x == l && i < len(s) {
			return s[i].Input, s[i].Output, nil
		}
	}
	if err == nil {
		err = fmt.Errorf("layer %q is not in the model", l.Name)
	}
	return in, out, err
}
