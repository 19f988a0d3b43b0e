// Command wasmsize tells where the bytes of a Go WebAssembly binary go:
// its sections, and its code by Go package, raw and gzipped (Go's
// compress/gzip at level 9, within 1% of gzip -9). make size-web
// runs it on a build of the converter's API that keeps its name section
// (the function names; -ldflags=-s drops it, so the shipped binary cannot
// be broken down by package).
//
//	wasmsize [-top N] file.wasm
//
// A package's gzip figure is its code compressed alone: gzip finds less
// repetition in a part than in the whole, so these figures add up to more
// than the code section's.
package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("wasmsize", flag.ContinueOnError)
	fs.SetOutput(stderr)
	top := fs.Int("top", 30, "number of packages to list")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: wasmsize [-top N] file.wasm")
		return 2
	}
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "wasmsize: %v\n", err)
		return 1
	}
	m, err := parse(data)
	if err != nil {
		fmt.Fprintf(stderr, "wasmsize: %s: %v\n", fs.Arg(0), err)
		return 1
	}
	report(stdout, m, data, *top)
	return 0
}

// A module is what the breakdown needs from a WebAssembly binary.
type module struct {
	sections []section
	imports  int               // imported functions: the code section's bodies are numbered after them
	bodies   [][]byte          // function bodies, in order
	names    map[uint32]string // function index → name, from the name section
}

type section struct {
	name string // "code", "data" … or the custom section's name
	body []byte
}

// sectionNames are the standard sections by id.
var sectionNames = [...]string{"custom", "type", "import", "function", "table", "memory", "global", "export", "start", "element", "code", "data", "data count"}

var errTruncated = errors.New("truncated: not a whole WebAssembly binary")

// reader reads the binary's LEB128 numbers and byte strings.
type reader struct {
	b   []byte
	err error
}

func (r *reader) uint() uint32 {
	var v uint32
	for shift := 0; shift < 35; shift += 7 {
		if len(r.b) == 0 {
			r.err = errTruncated
			return 0
		}
		c := r.b[0]
		r.b = r.b[1:]
		v |= uint32(c&0x7f) << shift
		if c < 0x80 {
			return v
		}
	}
	r.err = errors.New("a LEB128 number is longer than 5 bytes")
	return 0
}

func (r *reader) bytes(n uint32) []byte {
	if r.err != nil {
		return nil
	}
	if uint64(n) > uint64(len(r.b)) {
		r.err = errTruncated
		return nil
	}
	b := r.b[:n]
	r.b = r.b[n:]
	return b
}

func (r *reader) byte() byte {
	b := r.bytes(1)
	if b == nil {
		return 0
	}
	return b[0]
}

func parse(data []byte) (*module, error) {
	if len(data) < 8 || string(data[:4]) != "\x00asm" {
		return nil, errors.New("not a WebAssembly binary (no \\0asm header)")
	}
	m := &module{names: map[uint32]string{}}
	r := &reader{b: data[8:]}
	for len(r.b) > 0 && r.err == nil {
		id := r.byte()
		body := r.bytes(r.uint())
		if r.err != nil {
			break
		}
		s := section{body: body}
		switch {
		case id == 0:
			sr := &reader{b: body}
			s.name = string(sr.bytes(sr.uint()))
			if s.name == "name" {
				readNames(sr, m.names)
			}
		case int(id) < len(sectionNames):
			s.name = sectionNames[id]
		default:
			s.name = fmt.Sprintf("unknown %d", id)
		}
		switch s.name {
		case "import":
			m.imports = countFuncImports(body)
		case "code":
			m.bodies = readBodies(body)
		}
		m.sections = append(m.sections, s)
	}
	return m, r.err
}

// countFuncImports counts the imported functions. Every import is a
// module name, a field name and a kind; functions (kind 0) carry a type
// index.
func countFuncImports(body []byte) int {
	r := &reader{b: body}
	n := 0
	for range r.uint() {
		r.bytes(r.uint())
		r.bytes(r.uint())
		switch r.byte() {
		case 0: // function: type index
			r.uint()
			n++
		case 1: // table: element type, limits
			r.byte()
			readLimits(r)
		case 2: // memory: limits
			readLimits(r)
		case 3: // global: value type, mutability
			r.bytes(2)
		}
		if r.err != nil {
			break
		}
	}
	return n
}

func readLimits(r *reader) {
	if r.byte()&1 != 0 {
		r.uint()
	}
	r.uint()
}

func readBodies(body []byte) [][]byte {
	r := &reader{b: body}
	n := r.uint()
	var bodies [][]byte
	for range n {
		b := r.bytes(r.uint())
		if r.err != nil {
			break
		}
		bodies = append(bodies, b)
	}
	return bodies
}

// readNames reads the function names (subsection 1) of a name section.
func readNames(r *reader, names map[uint32]string) {
	for len(r.b) > 0 && r.err == nil {
		id := r.byte()
		sub := &reader{b: r.bytes(r.uint())}
		if id != 1 {
			continue
		}
		for range sub.uint() {
			index := sub.uint()
			name := sub.bytes(sub.uint())
			if sub.err != nil {
				return
			}
			names[index] = string(name)
		}
	}
}

// domains are the module path hosts whose dot Go keeps in wasm function
// names (github.com_owner_repo_pkg.Func): the package ends at the next dot.
var domains = []string{"github.com_", "golang.org_", "google.golang.org_", "gopkg.in_"}

// packageOf returns the package part of a Go function name as the wasm
// linker writes it ("fmt.Sprintf", "github.com_x_y_core_keras.Load",
// "fmt.__pp_.doPrintf"); names without a dot are the runtime's assembly.
func packageOf(name string) string {
	start := 0
	for _, d := range domains {
		if strings.HasPrefix(name, d) {
			start = len(d)
			break
		}
	}
	if i := strings.IndexByte(name[start:], '.'); i >= 0 {
		return name[:start+i]
	}
	return "(assembly)"
}

func gzipSize(b []byte) int {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	w.Write(b)
	w.Close()
	return buf.Len()
}

// report prints the sections, then the top packages by gzip size.
func report(w io.Writer, m *module, data []byte, top int) {
	fmt.Fprintf(w, "%-28s %10s %10s\n", "section", "raw", "gzip")
	for _, s := range m.sections {
		fmt.Fprintf(w, "%-28s %10d %10d\n", s.name, len(s.body), gzipSize(s.body))
	}
	fmt.Fprintf(w, "%-28s %10d %10d\n", "whole file", len(data), gzipSize(data))
	if len(m.names) == 0 {
		fmt.Fprintln(w, "\nno name section (built with -ldflags=-s): no breakdown by package")
		return
	}
	code := map[string][]byte{}
	for i, b := range m.bodies {
		pkg := packageOf(m.names[uint32(m.imports+i)])
		code[pkg] = append(code[pkg], b...)
	}
	type row struct {
		pkg       string
		raw, gzip int
	}
	rows := make([]row, 0, len(code))
	for pkg, b := range code {
		rows = append(rows, row{pkg, len(b), gzipSize(b)})
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].gzip != rows[j].gzip {
			return rows[i].gzip > rows[j].gzip
		}
		return rows[i].pkg < rows[j].pkg
	})
	fmt.Fprintf(w, "\n%-60s %10s %10s\n", "code by package (each gzipped alone)", "raw", "gzip")
	for i, r := range rows {
		if i == top {
			fmt.Fprintf(w, "… %d more packages\n", len(rows)-top)
			break
		}
		fmt.Fprintf(w, "%-60s %10d %10d\n", r.pkg, r.raw, r.gzip)
	}
}
