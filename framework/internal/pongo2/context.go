package pongo2

import (
	"errors"
	"fmt"
)

// isIdentifier reports whether k is a valid context key: one or more of
// a-z, A-Z, 0-9 and _, the regular expression ^[a-zA-Z0-9_]+$ upstream
// ran on every key of every execution (PATCHES.md, 1).
func isIdentifier(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

var autoescape = true

func SetAutoescape(newValue bool) {
	autoescape = newValue
}

// A Context type provides constants, variables, instances or functions to a template.
//
// pongo2 automatically provides meta-information or functions through the "pongo2"-key.
// Currently, context["pongo2"] contains the following keys:
//  1. version: returns the version string
//
// Template examples for accessing items from your context:
//
//	{{ myconstant }}
//	{{ myfunc("test", 42) }}
//	{{ user.name }}
//	{{ pongo2.version }}
type Context map[string]any

func (c Context) checkForValidIdentifiers() *Error {
	for k, v := range c {
		if !isIdentifier(k) {
			return &Error{
				Sender:    "checkForValidIdentifiers",
				OrigError: fmt.Errorf("context-key '%s' (value: '%+v') is not a valid identifier", k, v),
			}
		}
	}
	return nil
}

// Update updates this context with the key/value-pairs from another context.
func (c Context) Update(other Context) Context {
	for k, v := range other {
		c[k] = v
	}
	return c
}

// ExecutionContext contains all data important for the current rendering state.
//
// If you're writing a custom tag, your tag's Execute()-function will
// have access to the ExecutionContext. This struct stores anything
// about the current rendering process's Context including
// the Context provided by the user (field Public).
// You can safely use the Private context to provide data to the user's
// template (like a 'forloop'-information). The Shared-context is used
// to share data between tags. All ExecutionContexts share this context.
//
// Please be careful when accessing the Public data.
// PLEASE DO NOT MODIFY THE PUBLIC CONTEXT (read-only).
//
// To create your own execution context within tags, use the
// NewChildExecutionContext(parent) function.
type ExecutionContext struct {
	template *Template

	Autoescape bool
	Public     Context
	Private    Context
	Shared     Context

	// values hands out the Values variables resolve to, made in blocks
	// for the execution and its children (nil: one at a time).
	values *valueBlock

	// under are the contexts read after Public, nearest first, by an
	// execution of ExecuteBytesOver: a name Public lacks is looked up in
	// under[0], then under[1], and so on (PATCHES.md, 15). They are not
	// in Public.
	under []Context
}

// overContext is the ExecutionContext of an execution of
// ExecuteBytesOver, with room for a few contexts under Public, made in
// one allocation with it; its children share the array.
type overContext struct {
	ExecutionContext
	underArr [4]Context
}

// lookup returns the value of name in Public, or else in the first of the
// under contexts that has it; nil if none has it. A name a context has
// with a nil value is nil, whatever the contexts below hold.
func (ctx *ExecutionContext) lookup(name string) any {
	v, ok := ctx.Public[name]
	if ok {
		return v
	}
	for _, c := range ctx.under {
		if v, ok := c[name]; ok {
			return v
		}
	}
	return nil
}

// publicCopy returns a new map of what lookup sees: the under contexts
// and Public over them, for a tag that hands the context on to another
// template (include, ssi).
func (ctx *ExecutionContext) publicCopy() Context {
	c := make(Context)
	for i := len(ctx.under) - 1; i >= 0; i-- {
		c.Update(ctx.under[i])
	}
	return c.Update(ctx.Public)
}

// valueBlock hands out Values made a block at a time: an execution
// resolves dozens of variables, and a Value made for each was most of its
// allocations (PATCHES.md, 7). A block is made for one execution and never
// reused, so a Value that a function or filter keeps stays valid (it keeps
// its block alive).
type valueBlock struct{ free []Value }

// valueBlockSize is how many Values a block holds.
const valueBlockSize = 16

// newValue returns a new zero Value, from ctx's block when it has one.
func (ctx *ExecutionContext) newValue() *Value {
	b := ctx.values
	if b == nil {
		return new(Value)
	}
	if len(b.free) == 0 {
		b.free = make([]Value, valueBlockSize)
	}
	v := &b.free[0]
	b.free = b.free[1:]
	return v
}

var pongo2MetaContext = Context{
	"version": Version,
}

func newExecutionContext(tpl *Template, ctx Context) *ExecutionContext {
	return newExecutionContextOver(tpl, ctx, nil)
}

// newExecutionContextOver is newExecutionContext with the contexts of
// under read after ctx (PATCHES.md, 15); under is copied, not kept.
func newExecutionContextOver(tpl *Template, ctx Context, under []Context) *ExecutionContext {
	privateCtx := make(Context)

	// Make the pongo2-related funcs/vars available to the context
	privateCtx["pongo2"] = pongo2MetaContext

	var ec *ExecutionContext
	switch {
	case len(under) == 0:
		ec = new(ExecutionContext)
	case len(under) <= len(overContext{}.underArr):
		oc := new(overContext)
		ec = &oc.ExecutionContext
		ec.under = append(oc.underArr[:0], under...)
	default:
		ec = new(ExecutionContext)
		ec.under = append([]Context(nil), under...)
	}
	ec.template = tpl
	ec.Public = ctx
	ec.Private = privateCtx
	ec.Autoescape = autoescape
	ec.values = new(valueBlock)
	return ec
}

func NewChildExecutionContext(parent *ExecutionContext) *ExecutionContext {
	newctx := &ExecutionContext{
		template: parent.template,

		Public:     parent.Public,
		Private:    make(Context),
		Autoescape: parent.Autoescape,
		values:     parent.values,
		under:      parent.under, // read only: the parent's array is kept alive
	}
	newctx.Shared = parent.Shared

	// Copy all existing private items
	newctx.Private.Update(parent.Private)

	return newctx
}

func (ctx *ExecutionContext) Error(msg string, token *Token) *Error {
	return ctx.OrigError(errors.New(msg), token)
}

func (ctx *ExecutionContext) OrigError(err error, token *Token) *Error {
	filename := ctx.template.name
	var line, col int
	if token != nil {
		// No tokens available
		// TODO: Add location (from where?)
		filename = token.Filename
		line = token.Line
		col = token.Col
	}
	return &Error{
		Template:  ctx.template,
		Filename:  filename,
		Line:      line,
		Column:    col,
		Token:     token,
		Sender:    "execution",
		OrigError: err,
	}
}

func (ctx *ExecutionContext) Logf(format string, args ...any) {
	ctx.template.set.logf(format, args...)
}
