package core

import "testing"

// The boolean options set their own field, from the CLI's text and from
// JavaScript, and refuse anything but a boolean.
func TestBooleanOptions(t *testing.T) {
	for _, name := range []string{"input-is-image", "per-tensor-activations"} {
		opt, ok := LookupOption(name)
		if !ok {
			t.Fatalf("no option %s", name)
		}
		field := func(o *Options) *bool {
			if name == "input-is-image" {
				return o.InputIsImage
			}
			return o.PerTensorActivations
		}
		var o Options
		if err := opt.SetText(&o, "false"); err != nil || field(&o) == nil || *field(&o) {
			t.Errorf("%s=false: %v", name, err)
		}
		if o.InputIsImage != nil && o.PerTensorActivations != nil {
			t.Errorf("%s set both fields", name)
		}
		o = Options{}
		if err := opt.SetJS(&o, true); err != nil || field(&o) == nil || !*field(&o) {
			t.Errorf("%s: true from JavaScript: %v", name, err)
		}
		if opt.SetText(&o, "maybe") == nil || opt.SetJS(&o, "yes") == nil {
			t.Errorf("%s accepts what is not a boolean", name)
		}
	}
}
