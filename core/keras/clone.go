package keras

import "reflect"

// cloneConfig deep-copies a typed config. The config types are plain
// structs of numbers, strings, arrays, slices and pointers, so a small
// reflective copy covers all of them (and any added later) without a
// hand-written copy per type.
func cloneConfig(c any) any {
	if c == nil {
		return nil
	}
	return deepCopy(reflect.ValueOf(c)).Interface()
}

func deepCopy(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		p := reflect.New(v.Type().Elem())
		p.Elem().Set(deepCopy(v.Elem()))
		return p
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		s := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := 0; i < v.Len(); i++ {
			s.Index(i).Set(deepCopy(v.Index(i)))
		}
		return s
	case reflect.Struct:
		s := reflect.New(v.Type()).Elem()
		for i := 0; i < v.NumField(); i++ {
			s.Field(i).Set(deepCopy(v.Field(i)))
		}
		return s
	case reflect.Array:
		a := reflect.New(v.Type()).Elem()
		for i := 0; i < v.Len(); i++ {
			a.Index(i).Set(deepCopy(v.Index(i)))
		}
		return a
	}
	return v // numbers, strings, bools: copied by value
}
