// Package npm makes the npm package's TypeScript typings (cnn2snn.d.ts)
// from the Go code they describe, so they cannot drift from it: the
// options from core.OptionTable (their JavaScript names, documentation and
// forms), the reports from the JSON form of the core types the API
// returns (reflection for the fields, the Go source for their comments).
// TestTypings checks that the committed cnn2snn.d.ts is what Typings
// makes; `make generate-typings` rewrites it.
package npm

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// module is the Go module whose packages' comments become the typings'.
const module = "github.com/cnn2snn-wasm/cnn2snn-wasm"

// handWritten are the names typings_api.go declares, which no generated
// type may take (TypeScript would merge the two interfaces).
var handWritten = []string{"QuantizeOptions", "VerifyOptions", "ModelFile", "ModelInput", "LastCall", "Cnn2snnError", "Cnn2snn", "LoadOptions", "Cnn2snnConverterElement", "ConvertOptions"}

// marshaled are the report types that write their own JSON
// (json.Marshaler), with the TypeScript type of what they write.
var marshaled = map[reflect.Type]string{
	reflect.TypeFor[keras.BatchShape](): "(number | null)[] | null",
}

// Typings returns cnn2snn.d.ts for the repository at root.
func Typings(root string) ([]byte, error) {
	g := &generator{root: root, docs: map[string]*pkgDocs{}, names: map[reflect.Type]string{}}
	var b strings.Builder
	b.WriteString(header)
	if err := g.options(&b); err != nil {
		return nil, err
	}
	b.WriteString(api)
	reports := []struct {
		alias string
		t     reflect.Type
	}{
		{"InspectReport", reflect.TypeFor[keras.InspectReport]()},
		{"CheckReport", reflect.TypeFor[core.CheckReport]()},
		{"ConvertResult", reflect.TypeFor[core.ConvertResult]()},
		{"SummaryReport", reflect.TypeFor[core.SummaryReport]()},
		{"VerifyReport", reflect.TypeFor[core.VerifyReport]()},
	}
	b.WriteString("\n// The reports: the JSON form of the converter's Go types (the shapes of `cnn2snn … --json`).\n")
	for _, r := range reports {
		name, err := g.typeName(r.t)
		if err != nil {
			return nil, err
		}
		if name != r.alias {
			fmt.Fprintf(&b, "\n/** The report of `%s`. */\nexport type %s = %s;\n", apiCallOf(r.alias), r.alias, name)
		}
	}
	for len(g.queue) > 0 {
		t := g.queue[0]
		g.queue = g.queue[1:]
		if err := g.declare(&b, t); err != nil {
			return nil, err
		}
	}
	return []byte(b.String()), nil
}

func apiCallOf(alias string) string {
	return "cnn2snn." + strings.ToLower(strings.TrimSuffix(alias, "Report"))
}

type generator struct {
	root  string
	docs  map[string]*pkgDocs     // by package path
	names map[reflect.Type]string // the TypeScript name of each declared type
	queue []reflect.Type          // named types to declare
}

// pkgDocs are the comments of one Go package: of its types, of their
// fields, and the constants of each named string type.
type pkgDocs struct {
	types  map[string]string            // type name → doc
	fields map[string]map[string]string // type name → field name → doc
	consts map[string][]constDoc        // type name → its constants, in source order
}

type constDoc struct{ value, doc string }

// options writes the options of convert, check and verify.
func (g *generator) options(b *strings.Builder) error {
	b.WriteString("\n/** The options of `convert`, `check` and `verify` (core.OptionTable; null or undefined means the default). */\nexport interface ConvertOptions {\n")
	for _, opt := range core.OptionTable() {
		ts, err := tsTypeOfForm(opt)
		if err != nil {
			return err
		}
		doc := opt.Doc
		if opt.JSMust != "" {
			doc += ".\nMust be " + opt.JSMust + "."
		}
		writeDoc(b, "  ", doc)
		fmt.Fprintf(b, "  %s?: %s | null;\n", opt.JS, ts)
	}
	b.WriteString(`  /**
   * Called as the call goes: stage is one of "load", "quantize", "calibrate", "check", "convert", "encode", "done"
   * (and "verify", once per sample, for verify); fraction is from 0 to 1.
   */
  onProgress?: ((stage: string, fraction: number) => void) | null;
}
`)
	return nil
}

// tsTypeOfForm is the TypeScript type of an option's JavaScript value,
// from its text form: a list of words is their union, the others are
// named here.
func tsTypeOfForm(opt core.Option) (string, error) {
	switch {
	case opt.File:
		return "Uint8Array | ArrayBuffer | Blob", nil
	case opt.Form == "true|false":
		return "boolean", nil
	case opt.Form == "A,B":
		return "[scale: number, offset: number]", nil
	case opt.Form == "W,A,I":
		return "QuantizeOptions", nil
	case opt.Form == "X.Y.Z":
		return "string", nil
	case len(opt.Form) == 1 && unicode.IsUpper(rune(opt.Form[0])): // N, B, E: a count
		return "number", nil
	case strings.Contains(opt.Form, "|"):
		words := strings.Split(opt.Form, "|")
		for i, w := range words {
			words[i] = strconv.Quote(w)
		}
		return strings.Join(words, " | "), nil
	}
	return "", fmt.Errorf("option %s: no TypeScript type for its form %q; name one in tsTypeOfForm (web/npm/typings.go)", opt.Name, opt.Form)
}

// typeName returns the TypeScript name of a named struct or string type,
// queueing its declaration the first time.
func (g *generator) typeName(t reflect.Type) (string, error) {
	if name, ok := g.names[t]; ok {
		return name, nil
	}
	pkg := t.PkgPath()
	if !strings.HasPrefix(pkg, module+"/") {
		return "", fmt.Errorf("type %s is not the project's", t)
	}
	name := t.Name()
	// core's names are the API's; another package's carry its name
	// (keras.InspectReport → KerasInspectReport), so that none collide.
	if last := pkg[strings.LastIndex(pkg, "/")+1:]; last != "core" {
		title := strings.ToUpper(last[:1]) + last[1:]
		if !strings.HasPrefix(name, title) {
			name = title + name
		}
	}
	if slices.Contains(handWritten, name) {
		return "", fmt.Errorf("type %s would be %s in TypeScript, a name typings_api.go declares", t, name)
	}
	for other, n := range g.names {
		if n == name {
			return "", fmt.Errorf("types %s and %s would both be %s in TypeScript", t, other, name)
		}
	}
	g.names[t] = name
	g.queue = append(g.queue, t)
	return name, nil
}

var marshaler = reflect.TypeFor[json.Marshaler]()

// tsType is the TypeScript type of a value of t in JSON.
func (g *generator) tsType(t reflect.Type) (string, error) {
	if ts, ok := marshaled[t]; ok {
		return ts, nil
	}
	if t.Implements(marshaler) || reflect.PointerTo(t).Implements(marshaler) {
		return "", fmt.Errorf("%s writes its own JSON: give its TypeScript type in marshaled (web/npm/typings.go)", t)
	}
	switch t.Kind() {
	case reflect.Pointer:
		elem, err := g.tsType(t.Elem())
		return elem + " | null", err
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "", fmt.Errorf("%s would be base64 text in JSON; the API hands bytes over as Uint8Array fields of its own", t)
		}
		elem, err := g.tsType(t.Elem())
		if strings.Contains(elem, " ") {
			elem = "(" + elem + ")"
		}
		return elem + "[]", err
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return "", fmt.Errorf("%s: a JSON object's keys are strings", t)
		}
		elem, err := g.tsType(t.Elem())
		return "Record<string, " + elem + ">", err
	case reflect.Bool:
		return "boolean", nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "number", nil
	case reflect.String:
		if t.Name() != "string" && t.PkgPath() != "" {
			if consts, err := g.consts(t); err != nil || len(consts) > 0 {
				if err != nil {
					return "", err
				}
				return g.typeName(t)
			}
		}
		return "string", nil
	case reflect.Struct:
		return g.typeName(t)
	case reflect.Interface:
		return "unknown", nil
	}
	return "", fmt.Errorf("%s: no TypeScript type for a %s", t, t.Kind())
}

// declare writes the declaration of a queued named type.
func (g *generator) declare(b *strings.Builder, t reflect.Type) error {
	name := g.names[t]
	docs, err := g.pkg(t.PkgPath())
	if err != nil {
		return err
	}
	b.WriteString("\n")
	if t.Kind() == reflect.String {
		consts := docs.consts[t.Name()]
		doc := docs.types[t.Name()]
		var words []string
		for _, c := range consts {
			words = append(words, strconv.Quote(c.value))
			if c.doc != "" {
				doc += "\n" + strconv.Quote(c.value) + ": " + c.doc
			}
		}
		writeDoc(b, "", doc)
		fmt.Fprintf(b, "export type %s = %s;\n", name, strings.Join(words, " | "))
		return nil
	}
	doc, ok := typeDocs[t]
	if !ok {
		doc = docs.types[t.Name()]
	}
	writeDoc(b, "", doc)
	var extends []string
	var fields strings.Builder
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		jsonName, opts, _ := strings.Cut(tag, ",")
		if tag == "-" || !f.IsExported() {
			continue
		}
		if f.Anonymous && jsonName == "" {
			base, err := g.tsType(f.Type)
			if err != nil {
				return err
			}
			extends = append(extends, base)
			continue
		}
		if jsonName == "" {
			jsonName = f.Name
		}
		ts, err := g.tsType(f.Type)
		if err != nil {
			return fmt.Errorf("%s.%s: %w", t, f.Name, err)
		}
		optional := ""
		if slices.Contains(strings.Split(opts, ","), "omitempty") {
			optional = "?"
			ts = strings.TrimSuffix(ts, " | null")
		}
		doc := docs.fields[t.Name()][f.Name]
		// A slice is null in JSON when it is nil: the Go comments say when
		// that happens (the reports' other lists are always there).
		if f.Type.Kind() == reflect.Slice && optional == "" && (nilWord.MatchString(doc) || nullable[t.Name()+"."+f.Name]) {
			ts += " | null"
		}
		writeDoc(&fields, "  ", doc)
		fmt.Fprintf(&fields, "  %s%s: %s;\n", jsonName, optional, ts)
	}
	for _, extra := range bytesFields[t] {
		fields.WriteString(extra)
	}
	heading := "export interface " + name
	if len(extends) > 0 {
		heading += " extends " + strings.Join(extends, ", ")
	}
	fmt.Fprintf(b, "%s {\n%s}\n", heading, fields.String())
	return nil
}

// bytesFields are the fields the API adds to a report: its bytes, as a
// Uint8Array (wasm/api.go's reply.bytes).
var bytesFields = map[reflect.Type][]string{
	reflect.TypeFor[core.ConvertResult](): {"  /** The Akida model: the .fbz file's bytes. */\n  fbz: Uint8Array;\n"},
}

// typeDocs replace the Go comment of a type where it speaks of Go fields
// that the JSON does not have.
var typeDocs = map[reflect.Type]string{
	reflect.TypeFor[core.ConvertResult](): "What convert resolves with: the .fbz bytes, the file name to save them under, and the report.",
}

// nullable are the slices that may be nil where the comment is the
// type's: akida.ModelJSON's "a shape that cannot be derived is null".
var nullable = map[string]bool{"ModelJSON.InputShape": true, "ModelJSON.OutputShape": true, "LayerJSON.OutputShape": true}

// nilWord finds Go's nil in a comment.
var nilWord = regexp.MustCompile(`\bnil\b`)

// consts returns the constants of a named string type, from its
// package's source.
func (g *generator) consts(t reflect.Type) ([]constDoc, error) {
	docs, err := g.pkg(t.PkgPath())
	if err != nil {
		return nil, err
	}
	return docs.consts[t.Name()], nil
}

// pkg reads the comments of one of the module's packages.
func (g *generator) pkg(path string) (*pkgDocs, error) {
	if d, ok := g.docs[path]; ok {
		return d, nil
	}
	dir := filepath.Join(g.root, filepath.FromSlash(strings.TrimPrefix(path, module+"/")))
	if path == module {
		dir = g.root
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading the comments of %s: %w", path, err)
	}
	d := &pkgDocs{types: map[string]string{}, fields: map[string]map[string]string{}, consts: map[string][]constDoc{}}
	fset := token.NewFileSet()
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		for _, decl := range file.Decls {
			gen, ok := decl.(*ast.GenDecl)
			if !ok {
				continue
			}
			for _, spec := range gen.Specs {
				switch spec := spec.(type) {
				case *ast.TypeSpec:
					doc := spec.Doc
					if doc == nil && len(gen.Specs) == 1 {
						doc = gen.Doc
					}
					d.types[spec.Name.Name] = doc.Text()
					if st, ok := spec.Type.(*ast.StructType); ok {
						fields := map[string]string{}
						for _, f := range st.Fields.List {
							text := f.Doc.Text()
							if text == "" {
								text = f.Comment.Text()
							}
							for _, n := range f.Names {
								fields[n.Name] = text
							}
						}
						d.fields[spec.Name.Name] = fields
					}
				case *ast.ValueSpec:
					typ, ok := spec.Type.(*ast.Ident)
					if gen.Tok != token.CONST || !ok || len(spec.Values) != len(spec.Names) {
						continue
					}
					for _, v := range spec.Values {
						lit, ok := v.(*ast.BasicLit)
						if !ok || lit.Kind != token.STRING {
							continue
						}
						value, err := strconv.Unquote(lit.Value)
						if err != nil {
							return nil, err
						}
						d.consts[typ.Name] = append(d.consts[typ.Name], constDoc{value, strings.TrimSpace(spec.Comment.Text())})
					}
				}
			}
		}
	}
	g.docs[path] = d
	return d, nil
}

// writeDoc writes a JSDoc comment; Go's `code` and names stay as they are.
func writeDoc(b *strings.Builder, indent, doc string) {
	doc = strings.TrimSpace(doc)
	if doc == "" {
		return
	}
	doc = strings.ReplaceAll(doc, "*/", "*\u2215")
	doc = nilWord.ReplaceAllString(doc, "null") // what a nil is in JSON
	lines := strings.Split(doc, "\n")
	if len(lines) == 1 {
		fmt.Fprintf(b, "%s/** %s */\n", indent, lines[0])
		return
	}
	fmt.Fprintf(b, "%s/**\n", indent)
	for _, l := range lines {
		fmt.Fprintf(b, "%s * %s\n", indent, strings.TrimRight(l, " "))
	}
	fmt.Fprintf(b, "%s */\n", indent)
}
