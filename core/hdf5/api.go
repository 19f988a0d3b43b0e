package hdf5

// Temporary skeleton so that dependent packages compile; replaced by the
// real implementation.

// File is an HDF5 file opened over a byte slice.
type File struct {
	b []byte
}

// Open parses the superblock of b. b is not copied.
func Open(b []byte) (*File, error) {
	return nil, &UnsupportedError{Feature: "reader not implemented yet"}
}

func (f *File) Root() *Group           { return &Group{} }
func (f *File) SuperblockVersion() int { return 0 }

type Group struct{ path string }

func (g *Group) Path() string                          { return g.path }
func (g *Group) Members() ([]string, error)            { return nil, errTODO }
func (g *Group) Group(path string) (*Group, error)     { return nil, errTODO }
func (g *Group) Dataset(path string) (*Dataset, error) { return nil, errTODO }
func (g *Group) IsGroup(name string) (bool, error)     { return false, errTODO }
func (g *Group) Attr(name string) (*Attribute, error)  { return nil, errTODO }
func (g *Group) AttrNames() ([]string, error)          { return nil, errTODO }

type Dataset struct{ path string }

func (d *Dataset) Path() string                         { return d.path }
func (d *Dataset) Shape() []int                         { return nil }
func (d *Dataset) Len() int                             { return 0 }
func (d *Dataset) Type() Datatype                       { return Datatype{} }
func (d *Dataset) Attr(name string) (*Attribute, error) { return nil, errTODO }
func (d *Dataset) AttrNames() ([]string, error)         { return nil, errTODO }
func (d *Dataset) ReadFloat32s(dst []float32) error     { return errTODO }
func (d *Dataset) Float32s() ([]float32, error)         { return nil, errTODO }
func (d *Dataset) Float64s() ([]float64, error)         { return nil, errTODO }
func (d *Dataset) Int64s() ([]int64, error)             { return nil, errTODO }
func (d *Dataset) Strings() ([]string, error)           { return nil, errTODO }

type Attribute struct{ name string }

func (a *Attribute) Name() string                 { return a.name }
func (a *Attribute) Shape() []int                 { return nil }
func (a *Attribute) Type() Datatype               { return Datatype{} }
func (a *Attribute) Strings() ([]string, error)   { return nil, errTODO }
func (a *Attribute) String() (string, error)      { return "", errTODO }
func (a *Attribute) Float64s() ([]float64, error) { return nil, errTODO }
func (a *Attribute) Int64s() ([]int64, error)     { return nil, errTODO }

type Class int

const (
	Integer Class = iota + 1
	Float
	String
)

type Datatype struct {
	Class     Class
	Size      int
	Signed    bool
	BigEndian bool
}

func (t Datatype) String() string { return "unknown" }

var errTODO = &UnsupportedError{Feature: "reader not implemented yet"}
