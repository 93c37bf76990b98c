package pongo2

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
)

type TemplateWriter interface {
	io.Writer
	WriteString(string) (int, error)
}

type templateWriter struct {
	w io.Writer
}

func (tw *templateWriter) WriteString(s string) (int, error) {
	return tw.w.Write([]byte(s))
}

func (tw *templateWriter) Write(b []byte) (int, error) {
	return tw.w.Write(b)
}

type Template struct {
	set *TemplateSet

	// Input
	isTplString bool
	name        string
	tpl         string
	size        int

	// Calculation
	tokens []*Token
	parser *Parser

	// first come, first serve (it's important to not override existing entries in here)
	level          int
	parent         *Template
	child          *Template
	blocks         map[string]*NodeWrapper
	exportedMacros map[string]*tagMacroNode

	// Output
	root *nodeDocument
	// outSize is the length of the last output of ExecuteBytes and the
	// others that render to a buffer first: the next one's buffer is
	// made that size, where sizing it by the template alone (which for a
	// page that extends a base is a fraction of the output) grew it
	// several times, copying (PATCHES.md, 8).
	outSize atomic.Int64

	// Options allow you to change the behavior of template-engine.
	// You can change the options before calling the Execute method.
	Options *Options
}

func newTemplateString(set *TemplateSet, tpl []byte) (*Template, error) {
	return newTemplate(set, "<string>", true, tpl)
}

func newTemplate(set *TemplateSet, name string, isTplString bool, tpl []byte) (*Template, error) {
	strTpl := string(tpl)

	// Create the template
	t := &Template{
		set:            set,
		isTplString:    isTplString,
		name:           name,
		tpl:            strTpl,
		size:           len(strTpl),
		blocks:         make(map[string]*NodeWrapper),
		exportedMacros: make(map[string]*tagMacroNode),
		Options:        newOptions(),
	}
	// Copy all settings from another Options.
	t.Options.Update(set.Options)

	// Tokenize it
	tokens, err := lex(name, strTpl)
	if err != nil {
		return nil, err
	}
	t.tokens = tokens

	// For debugging purposes, show all tokens:
	/*for i, t := range tokens {
		fmt.Printf("%3d. %s\n", i, t)
	}*/

	// Parse it
	err = t.parse()
	if err != nil {
		return nil, err
	}

	return t, nil
}

func (tpl *Template) newContextForExecution(context Context) (*Template, *ExecutionContext, error) {
	return tpl.newContextOver(context, nil)
}

// newContextOver is newContextForExecution with the contexts of under read
// after context (ExecuteBytesOver); under is not kept.
func (tpl *Template) newContextOver(context Context, under []Context) (*Template, *ExecutionContext, error) {
	if tpl.Options.TrimBlocks || tpl.Options.LStripBlocks {
		// Issue #94 https://github.com/flosch/pongo2/issues/94
		// If an application configures pongo2 template to trim_blocks,
		// the first newline after a template tag is removed automatically (like in PHP).
		prev := &Token{
			Typ: TokenHTML,
			Val: "\n",
		}

		for _, t := range tpl.tokens {
			if tpl.Options.LStripBlocks {
				if prev.Typ == TokenHTML && t.Typ != TokenHTML && t.Val == "{%" {
					prev.Val = strings.TrimRight(prev.Val, "\t ")
				}
			}

			if tpl.Options.TrimBlocks {
				if prev.Typ != TokenHTML && t.Typ == TokenHTML && prev.Val == "%}" {
					if len(t.Val) > 0 && t.Val[0] == '\n' {
						t.Val = t.Val[1:len(t.Val)]
					}
				}
			}

			prev = t
		}
	}

	// Determine the parent to be executed (for template inheritance)
	parent := tpl
	for parent.parent != nil {
		parent = parent.parent
	}

	// Create context if none is given, sized for both maps
	// (PATCHES.md, 1). With no globals to merge, the context given is
	// the public context as it is: an execution only reads it
	// (PATCHES.md, 11).
	var newContext Context
	var layers []Context // the contexts under newContext, nearest first
	switch {
	case len(under) > 0:
		// Nothing merged (PATCHES.md, 15): the set's globals are
		// the last context looked in.
		newContext, layers = context, under
		if newContext == nil {
			newContext = make(Context)
		}
		if len(tpl.set.Globals) > 0 {
			layers = append(layers[:len(layers):len(layers)], tpl.set.Globals)
		}
	case len(tpl.set.Globals) == 0 && context != nil:
		newContext = context
	default:
		newContext = make(Context, len(tpl.set.Globals)+len(context))
		newContext.Update(tpl.set.Globals)
		newContext.Update(context)
	}

	if context != nil || len(layers) > 0 {
		// Check each context's names as the merged one's were
		// (PATCHES.md, 15).
		for i := -1; i < len(layers); i++ {
			c := newContext
			if i >= 0 {
				c = layers[i]
			}
			if err := tpl.checkContext(c); err != nil {
				return parent, nil, err
			}
		}
	}

	// Create operational context
	ctx := newExecutionContextOver(parent, newContext, layers)

	return parent, ctx, nil
}

// checkContext checks the names of a context given to an execution: each
// an identifier, and none an exported macro's.
func (tpl *Template) checkContext(c Context) *Error {
	if len(c) == 0 {
		return nil
	}
	// Check for context name syntax
	if err := c.checkForValidIdentifiers(); err != nil {
		return err
	}
	// Check for clashes with macro names (none to clash with in most
	// templates: PATCHES.md, 1)
	if len(tpl.exportedMacros) == 0 {
		return nil
	}
	for k := range c {
		if _, has := tpl.exportedMacros[k]; has {
			return &Error{
				Filename:  tpl.name,
				Sender:    "execution",
				OrigError: fmt.Errorf("context key name '%s' clashes with macro '%s'", k, k),
			}
		}
	}
	return nil
}

func (tpl *Template) execute(context Context, writer TemplateWriter) error {
	parent, ctx, err := tpl.newContextForExecution(context)
	if err != nil {
		return err
	}

	// Run the selected document
	if err := parent.root.Execute(ctx, writer); err != nil {
		return err
	}

	return nil
}

func (tpl *Template) newTemplateWriterAndExecute(context Context, writer io.Writer) error {
	return tpl.execute(context, &templateWriter{w: writer})
}

func (tpl *Template) newBufferAndExecute(context Context) (*bytes.Buffer, error) {
	// Create output buffer
	// We assume that the rendered template will be 30% larger
	size := max(int(float64(tpl.size)*1.3), int(tpl.outSize.Load()))
	buffer := bytes.NewBuffer(make([]byte, 0, size))
	if err := tpl.execute(context, buffer); err != nil {
		return nil, err
	}
	if n := int64(buffer.Len()); n != tpl.outSize.Load() {
		tpl.outSize.Store(n)
	}
	return buffer, nil
}

// Executes the template with the given context and writes to writer (io.Writer)
// on success. Context can be nil. Nothing is written on error; instead the error
// is being returned.
func (tpl *Template) ExecuteWriter(context Context, writer io.Writer) error {
	buf, err := tpl.newBufferAndExecute(context)
	if err != nil {
		return err
	}
	_, err = buf.WriteTo(writer)
	if err != nil {
		return err
	}
	return nil
}

// Same as ExecuteWriter. The only difference between both functions is that
// this function might already have written parts of the generated template in the
// case of an execution error because there's no intermediate buffer involved for
// performance reasons. This is handy if you need high performance template
// generation or if you want to manage your own pool of buffers.
func (tpl *Template) ExecuteWriterUnbuffered(context Context, writer io.Writer) error {
	return tpl.newTemplateWriterAndExecute(context, writer)
}

// ExecuteBytesOver is ExecuteBytes with the contexts of under beneath
// context: a name context lacks is looked up in under[0], then under[1],
// and so on, then in the set's globals, and the first that has it wins,
// as if they had been merged into one map, the last of under first and
// context last. None of them is copied or written, and the slice is not
// kept. Functions and tags that read ExecutionContext.Public find only
// context there. PATCHES.md, 15.
func (tpl *Template) ExecuteBytesOver(context Context, under ...Context) ([]byte, error) {
	size := max(int(float64(tpl.size)*1.3), int(tpl.outSize.Load()))
	buffer := bytes.NewBuffer(make([]byte, 0, size))
	parent, ctx, err := tpl.newContextOver(context, under)
	if err != nil {
		return nil, err
	}
	if err := parent.root.Execute(ctx, buffer); err != nil {
		return nil, err
	}
	if n := int64(buffer.Len()); n != tpl.outSize.Load() {
		tpl.outSize.Store(n)
	}
	return buffer.Bytes(), nil
}

// Executes the template and returns the rendered template as a []byte
func (tpl *Template) ExecuteBytes(context Context) ([]byte, error) {
	// Execute template
	buffer, err := tpl.newBufferAndExecute(context)
	if err != nil {
		return nil, err
	}
	return buffer.Bytes(), nil
}

// Executes the template and returns the rendered template as a string
func (tpl *Template) Execute(context Context) (string, error) {
	// Execute template
	buffer, err := tpl.newBufferAndExecute(context)
	if err != nil {
		return "", err
	}

	return buffer.String(), nil

}

func (tpl *Template) ExecuteBlocks(context Context, blocks []string) (map[string]string, error) {
	var parents []*Template
	result := make(map[string]string)

	parent := tpl
	for parent != nil {
		// We only want to execute the template if it has a block we want
		for _, block := range blocks {
			if _, ok := tpl.blocks[block]; ok {
				parents = append(parents, parent)
				break
			}
		}
		parent = parent.parent
	}

	for _, t := range parents {
		var buffer *bytes.Buffer
		var ctx *ExecutionContext
		var err error
		for _, blockName := range blocks {
			if _, ok := result[blockName]; ok {
				continue
			}
			if blockWrapper, ok := t.blocks[blockName]; ok {
				// assign the buffer if we haven't done so
				if buffer == nil {
					buffer = bytes.NewBuffer(make([]byte, 0, int(float64(t.size)*1.3)))
				}
				// assign the context if we haven't done so
				if ctx == nil {
					_, ctx, err = t.newContextForExecution(context)
					if err != nil {
						return nil, err
					}
				}
				bErr := blockWrapper.Execute(ctx, buffer)
				if bErr != nil {
					return nil, bErr
				}
				result[blockName] = buffer.String()
				buffer.Reset()
			}
		}
		// We have found all blocks
		if len(blocks) == len(result) {
			break
		}
	}

	return result, nil
}
