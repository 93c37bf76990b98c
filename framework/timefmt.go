package framework

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/miniweb/miniweb/framework/internal/pongo2"
)

// TimeLayout is how a placeholder prints a time.Time (or a *time.Time): to
// the second, in the value's own location, with its zone's abbreviation:
// "2026-11-22 13:01:02 UTC". Go's own String adds fractions of a second
// and the monotonic clock reading ("m=+7.8"), which are not for a page.
// Another layout is a filter away, pongo2's date with a Go layout:
// <%created|date:"2 Jan 2006"%>. pongo2's {{ created }} is pongo2's own
// and prints Go's String.
const TimeLayout = "2006-01-02 15:04:05 MST"

// The names the loader adds to each placeholder (see loader.rewrite): the
// filter every placeholder ends with, and dev mode's check of a dotted
// one. pongo2's filters are global, so the names say whose they are.
const (
	placeholderFilter = "_placeholder"
	placeholderCheck  = "_placeholder_check"
)

func init() {
	if err := pongo2.RegisterPassFilter(placeholderFilter, filterPlaceholder); err != nil {
		panic("framework: " + err.Error())
	}
}

// filterPlaceholder is the last filter of every placeholder: a time.Time
// becomes its text in TimeLayout; anything else passes as it is, its
// safety included. It is registered with pongo2.RegisterPassFilter: it
// returns a string, a number, a bool or nil as it is, so pongo2 prints
// such a placeholder without a Value of its own or a call of the filter
// (PATCHES.md, 14). Its first test is that promise; keep it.
func filterPlaceholder(in, _ *pongo2.Value) (*pongo2.Value, *pongo2.Error) {
	// The common kinds first: Interface would copy a string to the heap.
	if in.IsString() || in.IsNumber() || in.IsBool() || in.IsNil() {
		return in, nil
	}
	switch t := in.Interface().(type) {
	case time.Time:
		return pongo2.AsValue(t.Format(TimeLayout)), nil
	case *time.Time:
		return pongo2.AsValue(t.Format(TimeLayout)), nil // IsNil took nil
	}
	return in, nil
}

// noValue is what the check returns: pongo2 wants a value.
var noValue = pongo2.AsValue(nil)

// checkFields is dev mode's _placeholder_check(id, root): it follows the
// dotted placeholder numbered id from root, its first segment's value,
// and logs once per position (until the next edit) a field or map key that
// is not there, which pongo2 prints as nothing. pongo2 evaluates it only
// when it prints the placeholder, so a placeholder in an {% if %} not
// taken is not checked.
func (s *store) checkFields(id, root *pongo2.Value) *pongo2.Value {
	ref, ok := s.load.refs.get(id.Integer())
	if !ok {
		return noValue
	}
	why := unknownField(root.Interface(), strings.Split(ref.Name, ".")[1:])
	if why == "" {
		return noValue
	}
	if _, dup := s.cache.Load().warned.LoadOrStore(id.Integer(), true); !dup {
		s.log.Warn("placeholder names a field or key its value lacks",
			keyPlaceholder, ref.Name, keyWhere, ref.where(), keyErr, why)
	}
	return noValue
}

var typeOfValuePtr = reflect.TypeFor[*pongo2.Value]()

// unknownField follows path from v as pongo2's variable resolution does
// (variable.go, resolve) and says which segment names a struct field or a
// map key v lacks; "" when all are there, or when the walk meets what
// pongo2 would call (a method, a function), index out of range, or a nil,
// which print nothing for reasons of their own, or what pongo2 reports as
// an error itself.
func unknownField(v any, path []string) string {
	cur := reflect.ValueOf(v)
	for _, seg := range path {
		if !cur.IsValid() {
			return ""
		}
		if cur.Type() == typeOfValuePtr {
			cur = reflect.ValueOf(cur.Interface().(*pongo2.Value).Interface())
		}
		if cur.Kind() == reflect.Interface {
			cur = cur.Elem()
		}
		if !cur.IsValid() || cur.Kind() == reflect.Func {
			return ""
		}
		if n, err := strconv.Atoi(seg); err == nil {
			if cur.Kind() == reflect.Pointer {
				cur = cur.Elem()
			}
			switch cur.Kind() {
			case reflect.String, reflect.Array, reflect.Slice:
				if n >= cur.Len() {
					return ""
				}
				cur = cur.Index(n)
				continue
			}
			return ""
		}
		if cur.MethodByName(seg).IsValid() {
			return ""
		}
		if cur.Kind() == reflect.Pointer {
			if cur.IsNil() {
				return ""
			}
			cur = cur.Elem()
		}
		switch cur.Kind() {
		case reflect.Struct:
			f, ok := cur.Type().FieldByName(seg)
			if !ok {
				return fmt.Sprintf("%s has no field or method %q", cur.Type(), seg)
			}
			if !f.IsExported() {
				return fmt.Sprintf("field %q of %s is unexported", seg, cur.Type())
			}
			fv, err := cur.FieldByIndexErr(f.Index)
			if err != nil {
				return "" // through a nil embedded pointer
			}
			cur = fv
		case reflect.Map:
			if cur.Type().Key() != reflect.TypeFor[string]() || cur.IsNil() {
				return ""
			}
			x := cur.MapIndex(reflect.ValueOf(seg))
			if !x.IsValid() {
				return fmt.Sprintf("%s has no key %q", cur.Type(), seg)
			}
			cur = x
		default:
			return "" // pongo2 says "can't access a field by name"
		}
	}
	return ""
}
