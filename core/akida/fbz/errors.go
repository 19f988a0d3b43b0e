package fbz

// FormatError reports an input that is not a readable .fbz file: which
// part of it is wrong and how.
type FormatError struct {
	// Part names where the problem is: "file", "Snappy block",
	// "FlatBuffer payload", `layer 3 "conv_1"`, "model".
	Part string
	// Reason says what is wrong, with byte offsets where they help.
	Reason string
}

// damagedHint ends every error about the content of a file (errors about
// the file as a whole, Part "file", say what to do themselves).
const damagedHint = " (the file is damaged or is not an Akida .fbz model)"

func (e *FormatError) Error() string {
	if e.Part == "file" {
		return e.Part + ": " + e.Reason
	}
	return e.Part + ": " + e.Reason + damagedHint
}
