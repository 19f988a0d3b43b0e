package core

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

// The Akida 1.0 .fbz files of the convertible fixtures, pinned by their
// SHA-256 (the bytes the CLI wrote before Akida 2.0 was added, default
// options): the Akida 2.0 work must not change a byte of them.
func TestAkida1OutputUnchanged(t *testing.T) {
	for _, c := range []struct {
		files []string
		sha   string
	}{
		{[]string{"akidanet_imagenet_224_alpha_25_keras2.10.h5"}, "9467b6c53c58884a1c6085c4b9f0170d7d2840f314261e454ed2676de42fc1f8"},
		{[]string{"float_ecg_cnn_bn_keras2.15.h5"}, "a8f28f94b04a72f6e8e19580fc63b91b7afac9f3c7a93e6e7f63bee280872d62"},
		{[]string{"mnist_cnn_sequential_keras3.15.keras"}, "2a7509705c631aaab0a8f97fed37eec21af826c8190529de678e2b5733051e97"},
		{[]string{"keras2.0_conv2d_model.json", "keras2.0_conv2d_model_weights.h5"}, "1dbb578d3e1a0d66b6b2de97b8560b593b17654cdacd59d5ff05ac4684d1e7b5"},
	} {
		var files []File
		for _, name := range c.files {
			files = append(files, fixture(t, "keras", name))
		}
		r, err := Convert(files, Options{})
		if err != nil {
			t.Errorf("%s: %v", c.files[0], err)
			continue
		}
		sum := sha256.Sum256(r.FBZ)
		if got := hex.EncodeToString(sum[:]); got != c.sha {
			t.Errorf("%s: the Akida 1.0 .fbz changed: SHA-256 %s, want %s", c.files[0], got, c.sha)
		}
	}
}
