package keras

import (
	"reflect"
	"testing"
)

// A Keras 1 Sequential model with Theano ordering loads as Keras 2 reads
// it: Keras 2 classes and config keys, the "th" kernel transposed to
// (rows, cols, channels, filters), running_std taken as moving_variance.
func TestKeras1TheanoOrder(t *testing.T) {
	m := loadTestdata(t, "keras1_sequential_th.h5")
	want := []string{
		"convolution2d_1_input (InputLayer) <-  : (None, 2, 6, 6)",
		"convolution2d_1 (Conv2D) <- convolution2d_1_input : (None, 3, 4, 5)",
		"batchnormalization_1 (BatchNormalization) <- convolution2d_1 : (None, 3, 4, 5)",
		"maxpooling2d_1 (MaxPooling2D) <- batchnormalization_1 : (None, 3, 2, 2)",
		"flatten_1 (Flatten) <- maxpooling2d_1 : (None, 12)",
		"dropout_1 (Dropout) <- flatten_1 : (None, 12)",
		"dense_1 (Dense) <- dropout_1 : (None, 2)",
	}
	if got := layerSummary(m); !reflect.DeepEqual(got, want) {
		t.Errorf("layers:\n got %q\nwant %q", got, want)
	}
	conv := m.Layer("convolution2d_1")
	c := conv.Config.(*Conv2D)
	if c.Filters != 3 || c.KernelSize != [2]int{3, 2} || c.Padding != "valid" || c.DataFormat != "channels_first" || !c.UseBias || c.Activation != "relu" {
		t.Errorf("convolution2d_1 config %+v", c)
	}
	// The file's kernel w[f][c][r][k] holds ((f*2+c)*3+r)*2+k; Keras 2's
	// kernel[r][k][c][f] must hold the same value.
	kernel := conv.Weight("kernel")
	if !reflect.DeepEqual(kernel.Shape, []int{3, 2, 2, 3}) {
		t.Fatalf("kernel shape %v, want (3, 2, 2, 3)", kernel.Shape)
	}
	for r := range 3 {
		for k := range 2 {
			for ch := range 2 {
				for f := range 3 {
					got := kernel.Values[((r*2+k)*2+ch)*3+f]
					if want := float32(((f*2+ch)*3+r)*2 + k); got != want {
						t.Fatalf("kernel[%d][%d][%d][%d] = %v, want %v", r, k, ch, f, got, want)
					}
				}
			}
		}
	}
	if got := weightNames(m.Layer("batchnormalization_1")); !reflect.DeepEqual(got, []string{"gamma", "beta", "moving_mean", "moving_variance"}) {
		t.Errorf("batchnormalization_1 weights %v", got)
	}
	if bn := m.Layer("batchnormalization_1").Config.(*BatchNormalization); !reflect.DeepEqual(bn.Axis, []int{1}) || bn.Epsilon != 0.001 {
		t.Errorf("batchnormalization_1 config %+v", bn)
	}
	if rate := m.Layer("dropout_1").Config.(*Dropout).Rate; rate != 0.5 {
		t.Errorf("dropout_1 rate %v (p 0.5)", rate)
	}
	if d := m.Layer("dense_1").Config.(*Dense); d.Units != 2 || !d.UseBias || d.Activation != "softmax" {
		t.Errorf("dense_1 config %+v", d)
	}
}

// A Keras 1 functional model without keras_version: Merge layers become
// Add and Concatenate, the kernels (TensorFlow order) stay as saved.
func TestKeras1Functional(t *testing.T) {
	m := loadTestdata(t, "keras1_functional.h5")
	want := []string{
		"input_1 (InputLayer) <-  : (None, 4, 4, 1)",
		"convolution2d_1 (Conv2D) <- input_1 : (None, 4, 4, 2)",
		"convolution2d_2 (Conv2D) <- input_1 : (None, 4, 4, 2)",
		"merge_1 (Add) <- convolution2d_1,convolution2d_2 : (None, 4, 4, 2)",
		"merge_2 (Concatenate) <- merge_1,convolution2d_2 : (None, 4, 4, 4)",
		"globalaveragepooling2d_1 (GlobalAveragePooling2D) <- merge_2 : (None, 4)",
		"dense_1 (Dense) <- globalaveragepooling2d_1 : (None, 3)",
	}
	if got := layerSummary(m); !reflect.DeepEqual(got, want) {
		t.Errorf("layers:\n got %q\nwant %q", got, want)
	}
	if m.Format != FormatKeras1H5 || m.KerasVersion != "" {
		t.Errorf("format %q version %q", m.Format, m.KerasVersion)
	}
	if axis := m.Layer("merge_2").Config.(*Concatenate).Axis; axis != -1 {
		t.Errorf("merge_2 axis %d", axis)
	}
	if c := m.Layer("convolution2d_2").Config.(*Conv2D); c.UseBias || c.Padding != "valid" || c.DataFormat != "channels_last" {
		t.Errorf("convolution2d_2 config %+v", c)
	}
}

// Keras 1 forms that Keras 2 reads only through its legacy layers are
// refused, naming the layer and the form.
func TestKeras1Refused(t *testing.T) {
	const advice = "; Keras 2 reads it through its legacy layers, which have no equivalent here. Load the model in Keras 2 (2.0 to 2.2 read Keras 1 files) and save it again"
	for _, tc := range []struct{ layer, want string }{
		{`{"class_name": "Merge", "config": {"name": "m", "mode": "cos"}}`, `layer "m" (Merge, Keras 1): mode "cos" (or a function) has no Keras 2 merge layer` + advice},
		{`{"class_name": "Merge", "config": {"name": "m", "mode": "sum", "layers": []}}`, `layer "m" (Merge, Keras 1): it merges Sequential models (branches inside a Sequential model)` + advice},
		{`{"class_name": "BatchNormalization", "config": {"name": "bn", "mode": 2}}`, `layer "bn" (BatchNormalization, Keras 1): mode 2 normalizes with the batch's own statistics (mode 0 is the only one Keras 2 kept)` + advice},
		{`{"class_name": "Convolution2D", "config": {"name": "c", "nb_filter": 1, "nb_row": 3, "nb_col": 3, "border_mode": "full"}}`, `layer "c" (Convolution2D, Keras 1): border_mode full has no Keras 2 equivalent (only "valid" and "same")` + advice},
		{`{"class_name": "MaxPooling2D", "config": {"name": "p", "dim_ordering": "xy"}}`, `layer "p" (MaxPooling2D, Keras 1): dim_ordering xy is not "th" or "tf"` + advice},
	} {
		_, _, err := upgradeKeras1Config([]byte(`{"class_name": "Sequential", "config": [` + tc.layer + `]}`))
		if _, ok := err.(*UnsupportedError); !ok || err.Error() != tc.want {
			t.Errorf("error (%T)\n got %v\nwant %s", err, err, tc.want)
		}
	}
	_, _, _, err := legacyConfig("old.h5", "1.2.2", "theano", []byte(`{}`))
	want := "the file was written by Keras 1 with the Theano backend, whose convolution kernels are flipped; load the model in Keras 2 (2.0 to 2.2 read Keras 1 files) and save it again"
	if err == nil || err.Error() != want {
		t.Errorf("Theano backend: %v, want %s", err, want)
	}
}
