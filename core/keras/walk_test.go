package keras

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
)

// TestWalkModelFiles loads every .h5, .keras and .json file under
// ../shared/fixtures and under every testdata folder of the repository
// (fuzz corpora aside), so that a new fixture is read the day it arrives:
// a weights-only .h5 with a model JSON of its folder, a TF.js model.json
// with the shards its manifest lists. Every load succeeds or fails with a
// *FormatError or *UnsupportedError (the repository's testdata holds
// damaged and hostile files on purpose); a real file of ../shared loads or
// is refused as unsupported, never as damaged. Where expected_fixtures.json
// or expected_project.json describe the files, the layer count, the
// parameter total and the sum of all weights must match h5py's.
func TestWalkModelFiles(t *testing.T) {
	root := fixtures.RepoRoot(t)
	var units []walkUnit
	for _, dir := range testdataDirs(t, root) {
		units = append(units, walkFolder(t, dir, false)...)
	}
	shared := fixtures.SharedDir(t)
	if shared == "" {
		t.Log("../shared/fixtures is not beside the repository: only the repository's testdata is walked")
	} else {
		units = append(units, walkFolder(t, shared, true)...)
	}
	expected := walkExpectations(t, root, shared)
	loaded, checked := 0, 0
	for _, u := range units {
		rel := make([]string, len(u.paths))
		for i, p := range u.paths {
			rel[i] = relPath(root, shared, p)
		}
		name := strings.Join(rel, " + ")
		m, err := loadPaths(t, u.paths)
		var fe *FormatError
		var ue *UnsupportedError
		switch {
		case err == nil:
			loaded++
		case u.shared && !errors.As(err, &ue):
			t.Errorf("%s: a real model file fails as %T: %v", name, err, err)
			continue
		case !errors.As(err, &fe) && !errors.As(err, &ue):
			t.Errorf("%s: error of type %T: %v", name, err, err)
			continue
		default:
			continue
		}
		want, ok := expected[strings.Join(u.paths, "\n")]
		if !ok {
			continue
		}
		checked++
		if len(m.Layers) != want.layers || m.Params() != want.params || !closeSum(modelSum(m), want.sum) {
			t.Errorf("%s: %d layers, %d params, weights sum %.12g; want %d, %d, %.12g",
				name, len(m.Layers), m.Params(), modelSum(m), want.layers, want.params, want.sum)
		}
	}
	t.Logf("%d load units: %d loaded, %d of them checked against h5py's figures", len(units), loaded, checked)
	if len(expected) > 0 && checked < len(expected) {
		var missing []string
		for k := range expected {
			missing = append(missing, strings.ReplaceAll(k, "\n", " + "))
		}
		sort.Strings(missing)
		t.Errorf("%d expected models, %d found by the walk; expected: %q", len(expected), checked, missing)
	}
}

// walkUnit is a set of files loaded together.
type walkUnit struct {
	paths  []string // absolute, sorted
	shared bool     // a real file of ../shared/fixtures
}

// testdataDirs returns every folder named testdata in the repository.
func testdataDirs(t *testing.T, root string) []string {
	t.Helper()
	var dirs []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) && p != root {
			return filepath.SkipDir
		}
		if d.IsDir() && d.Name() == "testdata" {
			dirs = append(dirs, p)
			return filepath.SkipDir
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dirs
}

// walkFolder groups the model files below dir into load units, folder by
// folder.
func walkFolder(t *testing.T, dir string, shared bool) []walkUnit {
	t.Helper()
	byDir := map[string][]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "fuzz" {
			return filepath.SkipDir
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".h5", ".keras", ".json":
			byDir[filepath.Dir(p)] = append(byDir[filepath.Dir(p)], p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var units []walkUnit
	for _, files := range byDir {
		for _, u := range folderUnits(t, files) {
			units = append(units, walkUnit{paths: u, shared: shared})
		}
	}
	sort.Slice(units, func(i, j int) bool { return units[i].paths[0] < units[j].paths[0] })
	return units
}

// folderUnits makes the load units of one folder: a TF.js model.json with
// the shards its manifest names; a weights-only .h5 with the model JSON of
// the folder that loads with it (the first, in name order), or alone when
// none does; every other file alone.
func folderUnits(t *testing.T, files []string) [][]string {
	t.Helper()
	sort.Strings(files)
	var units [][]string
	var configs []string
	for _, p := range files {
		data := readPath(t, p)
		if strings.HasSuffix(strings.ToLower(p), ".json") && isTFJSModelJSON(data) {
			unit := []string{p}
			for name := range tfjsShardNames([]File{{Name: filepath.Base(p), Data: data}}) {
				unit = append(unit, filepath.Join(filepath.Dir(p), name))
			}
			sort.Strings(unit)
			units = append(units, unit)
			continue
		}
		if strings.HasSuffix(strings.ToLower(p), ".json") {
			configs = append(configs, p)
		}
	}
	for _, p := range files {
		if strings.HasSuffix(strings.ToLower(p), ".json") {
			continue
		}
		_, err := Load([]File{{Name: filepath.Base(p), Data: readPath(t, p)}})
		unit := []string{p}
		if errors.Is(err, ErrWeightsOnly) {
			for _, c := range configs {
				pair := []string{c, p}
				sort.Strings(pair)
				if _, err := loadPaths(t, pair); err == nil {
					unit = pair
					break
				}
			}
		}
		units = append(units, unit)
	}
	for _, c := range configs { // JSON files in no unit yet are read alone
		if !slices.ContainsFunc(units, func(u []string) bool { return slices.Contains(u, c) }) {
			units = append(units, []string{c})
		}
	}
	return units
}

// walkFigures are the figures h5py gives for a set of files.
type walkFigures struct {
	layers, params int
	sum            float64
}

// walkExpectations reads expected_fixtures.json and expected_project.json
// into figures keyed by the sorted absolute paths of each model's files.
func walkExpectations(t *testing.T, root, shared string) map[string]walkFigures {
	t.Helper()
	testdata := filepath.Join(root, "core", "keras", "testdata")
	out := map[string]walkFigures{}
	key := func(paths []string) string {
		sort.Strings(paths)
		return strings.Join(paths, "\n")
	}
	if shared != "" {
		for _, e := range loadExpected(t) {
			var paths []string
			for _, f := range e.Files {
				if strings.HasPrefix(f, "tfjs/") {
					paths = append(paths, filepath.Join(testdata, filepath.FromSlash(f)))
				} else {
					paths = append(paths, filepath.Join(shared, "keras", f))
				}
			}
			out[key(paths)] = walkFigures{layers: len(e.Layers), params: e.TotalParams, sum: e.WeightsSum}
		}
	}
	var project struct {
		Models []struct {
			Files  []string `json:"files"`
			Layers []struct {
				Weights []struct {
					Sum float64 `json:"sum"`
				} `json:"weights"`
			} `json:"layers"`
			TotalParams int `json:"total_params"`
		} `json:"models"`
	}
	if err := json.Unmarshal(readTestdata(t, "expected_project.json"), &project); err != nil {
		t.Fatal(err)
	}
	for _, m := range project.Models {
		var paths []string
		for _, f := range m.Files {
			paths = append(paths, filepath.Join(testdata, filepath.FromSlash(f)))
		}
		sum := 0.0
		for _, l := range m.Layers {
			for _, w := range l.Weights {
				sum += w.Sum
			}
		}
		k := key(paths)
		if _, dup := out[k]; !dup { // a file set given twice (the full model with each JSON) loads once
			out[k] = walkFigures{layers: len(m.Layers), params: m.TotalParams, sum: sum}
		}
	}
	// The walk loads a complete .h5 alone, not with a JSON.
	for k := range out {
		if strings.Contains(k, "keras2_full_with_json") {
			delete(out, k)
		}
	}
	return out
}

func loadPaths(t *testing.T, paths []string) (*Model, error) {
	t.Helper()
	var files []File
	for _, p := range paths {
		files = append(files, File{Name: filepath.Base(p), Data: readPath(t, p)})
	}
	return Load(files)
}

func readPath(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func modelSum(m *Model) float64 {
	s := 0.0
	for _, l := range m.Layers {
		for _, w := range l.Weights {
			s += sumOf(w.Values)
		}
	}
	return s
}

// relPath names a file for messages: relative to the repository or to
// ../shared/fixtures.
func relPath(root, shared, p string) string {
	for _, base := range []string{root, shared} {
		if base == "" {
			continue
		}
		if r, err := filepath.Rel(base, p); err == nil && !strings.HasPrefix(r, "..") {
			return path.Join(filepath.Base(base), filepath.ToSlash(r))
		}
	}
	return fmt.Sprint(p)
}
