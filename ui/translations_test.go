package ui

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"dutyroom/assets"
)

var translationFiles = []string{"zh-Hans.json", "en.json"}

func translationKeys(t *testing.T, name string) map[string]bool {
	t.Helper()
	data, err := assets.Translations().ReadFile("translations/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var messages map[string]any
	if err := json.Unmarshal(data, &messages); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	keys := make(map[string]bool, len(messages))
	for k := range messages {
		keys[k] = true
	}
	return keys
}

// usedKeys returns every string literal passed as the key of lang.L, lang.X,
// lang.N or lang.XN in the package's Go files, tests included, with where it
// is used.
func usedKeys(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	used := map[string]string{}
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			pkg, ok := sel.X.(*ast.Ident)
			if !ok || pkg.Name != "lang" || !slices.Contains([]string{"L", "X", "N", "XN"}, sel.Sel.Name) {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				t.Errorf("%s: lang.%s with a key that is not a literal cannot be checked", fset.Position(call.Pos()), sel.Sel.Name)
				return true
			}
			key, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatal(err)
			}
			used[key] = fset.Position(call.Pos()).String()
			return true
		})
	}
	return used
}

func TestEveryKeyUsedIsTranslated(t *testing.T) {
	used := usedKeys(t)
	if len(used) < 50 {
		t.Fatalf("found only %d keys; is the parser looking at the sources?", len(used))
	}
	for _, file := range translationFiles {
		keys := translationKeys(t, file)
		for key, where := range used {
			if !keys[key] {
				t.Errorf("%s: key %q is missing from %s", where, key, file)
			}
		}
	}
}

func TestTranslationFilesHaveTheSameKeys(t *testing.T) {
	zh, en := translationKeys(t, "zh-Hans.json"), translationKeys(t, "en.json")
	for k := range zh {
		if !en[k] {
			t.Errorf("%q is in zh-Hans.json but not in en.json", k)
		}
	}
	for k := range en {
		if !zh[k] {
			t.Errorf("%q is in en.json but not in zh-Hans.json", k)
		}
	}
}

func TestNoTranslationIsLeftEmpty(t *testing.T) {
	for _, file := range translationFiles {
		data, _ := assets.Translations().ReadFile("translations/" + file)
		var messages map[string]any
		if err := json.Unmarshal(data, &messages); err != nil {
			t.Fatal(err)
		}
		for k, v := range messages {
			if s, ok := v.(string); ok && strings.TrimSpace(s) == "" {
				t.Errorf("%s: %q is empty", file, k)
			}
		}
	}
}
