package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// leb writes n as unsigned LEB128.
func leb(n int) []byte {
	var b []byte
	for {
		c := byte(n & 0x7f)
		n >>= 7
		if n == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func vec(items ...[]byte) []byte {
	out := leb(len(items))
	for _, it := range items {
		out = append(out, it...)
	}
	return out
}

func str(s string) []byte { return append(leb(len(s)), s...) }

func sec(id byte, body []byte) []byte {
	return append(append([]byte{id}, leb(len(body))...), body...)
}

// testModule is a module as the Go linker lays one out: one imported
// function (index 0), then three functions with bodies of 3, 5 and 7
// bytes named after two packages, and a memory import that must not be
// counted as a function.
func testModule() []byte {
	imports := vec(
		append(append(str("gojs"), str("runtime.wasmExit")...), 0x00, 0x00), // function, type 0
		append(append(str("env"), str("mem")...), 0x02, 0x01, 0x01, 0x10),   // memory, limits 1…16
	)
	code := vec(
		append(leb(3), 0x00, 0x01, 0x0b),
		append(leb(5), 0x00, 0x01, 0x01, 0x01, 0x0b),
		append(leb(7), 0x00, 0x01, 0x01, 0x01, 0x01, 0x01, 0x0b),
	)
	names := vec(
		append(leb(1), str("main.run")...),
		append(leb(2), str("github.com_cnn2snn_wasm_cnn2snn_wasm_core_keras.Load")...),
		append(leb(3), str("main.__reader_.uint")...),
	)
	nameSection := append(str("name"), sec(1, names)...)
	out := []byte("\x00asm\x01\x00\x00\x00")
	out = append(out, sec(1, vec([]byte{0x60, 0x00, 0x00}))...) // type: func() → ()
	out = append(out, sec(2, imports)...)
	out = append(out, sec(3, vec(leb(0), leb(0), leb(0)))...)
	out = append(out, sec(10, code)...)
	out = append(out, sec(0, nameSection)...)
	return out
}

func TestParse(t *testing.T) {
	m, err := parse(testModule())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range m.sections {
		names = append(names, s.name)
	}
	if got := strings.Join(names, " "); got != "type import function code name" {
		t.Errorf("sections %q", got)
	}
	if m.imports != 1 || len(m.bodies) != 3 || len(m.bodies[2]) != 7 {
		t.Errorf("%d imported functions, %d bodies; want 1 and 3 (the last of 7 bytes)", m.imports, len(m.bodies))
	}
	if m.names[2] != "github.com_cnn2snn_wasm_cnn2snn_wasm_core_keras.Load" {
		t.Errorf("names %v", m.names)
	}
}

func TestReport(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.wasm")
	if err := os.WriteFile(path, testModule(), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errs bytes.Buffer
	if status := run([]string{"-top", "1", path}, &out, &errs); status != 0 {
		t.Fatalf("status %d: %s", status, errs.String())
	}
	lines := strings.Split(out.String(), "\n")
	// main has 3 + 7 bytes of code, core/keras 5; one package is listed.
	var pkgs []string
	for _, l := range lines {
		if f := strings.Fields(l); len(f) == 3 && (f[0] == "main" || strings.HasPrefix(f[0], "github.com")) {
			pkgs = append(pkgs, f[0]+" "+f[1])
		}
	}
	if got := strings.Join(pkgs, ", "); got != "main 10" {
		t.Errorf("packages %q, want main 10:\n%s", got, out.String())
	}
	if !strings.Contains(out.String(), "… 1 more packages") || !strings.HasPrefix(lines[0], "section ") {
		t.Errorf("output:\n%s", out.String())
	}
}

func TestPackageOf(t *testing.T) {
	for name, want := range map[string]string{
		"fmt.Sprintf":                          "fmt",
		"fmt.__pp_.doPrintf":                   "fmt",
		"main.install.func1":                   "main",
		"internal_strconv.ff":                  "internal_strconv",
		"github.com_golang_snappy.encodeBlock": "github.com_golang_snappy",
		"slices.pdqsortCmpFunc_go.shape.struct___Key_string___": "slices",
		"memmove": "(assembly)",
		"":        "(assembly)",
	} {
		if got := packageOf(name); got != want {
			t.Errorf("packageOf(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestBrokenInput(t *testing.T) {
	for _, c := range []struct {
		data []byte
		want string
	}{
		{[]byte("PK\x03\x04"), `not a WebAssembly binary (no \0asm header)`},
		{testModule()[:40], "truncated: not a whole WebAssembly binary"},
		{append([]byte("\x00asm\x01\x00\x00\x00\x01"), 0xff, 0xff, 0xff, 0xff, 0xff, 0x01), "a LEB128 number is longer than 5 bytes"},
	} {
		if _, err := parse(c.data); err == nil || err.Error() != c.want {
			t.Errorf("parse(%q): %v, want %s", c.data, err, c.want)
		}
	}
}
