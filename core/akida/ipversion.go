package akida

// IPVersion is an Akida IP generation: the target of a conversion.
type IPVersion string

// The Akida IP generations.
const (
	IPv1 IPVersion = "v1" // Akida 1.0: AKD1000, AKD1500 (cnn2snn's legacy path)
	IPv2 IPVersion = "v2" // Akida 2.0 (cnn2snn's quantizeml path)
)

// Title is the generation as people name it: "Akida 1.0", "Akida 2.0".
func (v IPVersion) Title() string {
	switch v {
	case IPv1:
		return "Akida 1.0"
	case IPv2:
		return "Akida 2.0"
	}
	return "Akida " + string(v)
}
