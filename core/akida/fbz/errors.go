package fbz

// FormatError reports an input that is not a readable .fbz file: which
// part of it is wrong and how.
type FormatError struct {
	// Part names where the problem is: "file", "Snappy block",
	// "FlatBuffer payload", `layer 3 "conv_1"`, …
	Part string
	// Reason says what is wrong, with byte offsets where they help.
	Reason string
}

func (e *FormatError) Error() string {
	return e.Part + ": " + e.Reason
}
