package keras

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestBatchShapeJSON(t *testing.T) {
	for _, tc := range []struct {
		s    BatchShape
		json string
	}{
		{BatchShape{112, 112, 8}, "[null,112,112,8]"},
		{BatchShape{-1, 4}, "[null,null,4]"},
		{BatchShape{}, "[null]"},
		{nil, "null"},
	} {
		b, err := json.Marshal(tc.s)
		if err != nil || string(b) != tc.json {
			t.Errorf("Marshal(%v) = %s, %v; want %s", []int(tc.s), b, err, tc.json)
		}
		var back BatchShape
		if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, tc.s) {
			t.Errorf("Unmarshal(%s) = %v, %v", b, back, err)
		}
	}
	var s BatchShape
	if err := json.Unmarshal([]byte("[]"), &s); err == nil {
		t.Error("an empty list has no batch dimension but was accepted")
	}
}

// A model with an unknown class reports null shapes after it, and the
// report's lists are never null.
func TestInspectReportUnknownShapes(t *testing.T) {
	m, _ := mustBuild(t, []byte(`{"class_name": "Sequential", "config": {"name": "s", "layers": [
		{"class_name": "InputLayer", "config": {"batch_input_shape": [null, 3], "name": "in"}},
		{"class_name": "Mystery", "config": {"name": "x"}}]}}`))
	b, err := json.Marshal(m.InspectReport())
	if err != nil {
		t.Fatal(err)
	}
	want := `{"format":"","keras_version":"","name":"s","inputs":[[null,3]],"layers":[` +
		`{"name":"in","class_name":"InputLayer","inbound":[],"output_shape":[null,3],"params":0,"weights":[]},` +
		`{"name":"x","class_name":"Mystery","inbound":["in"],"output_shape":null,"params":0,"weights":[]}],"total_params":0}`
	if string(b) != want {
		t.Errorf("report\n got %s\nwant %s", b, want)
	}
}
