package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

func TestTableAlignsChineseByDisplayWidth(t *testing.T) {
	var b bytes.Buffer
	tw := newTable(&b)
	fmt.Fprintln(tw, "CODE\tNAME\tTIER")
	fmt.Fprintln(tw, "433100\t湘西州\tprefecture")
	fmt.Fprintln(tw, "433101001\t乾州街道\ttownship")
	fmt.Fprintln(tw, "no tabs here")
	if err := tw.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 4 || lines[3] != "no tabs here" {
		t.Fatalf("output:\n%s", b.String())
	}
	// The third column starts at the same display column on every row.
	col := func(line, cell string) int { return displayWidth(line[:strings.Index(line, cell)]) }
	if a, b2, c := col(lines[0], "TIER"), col(lines[1], "prefecture"), col(lines[2], "township"); a != b2 || b2 != c {
		t.Errorf("third column starts at %d, %d, %d:\n%s", a, b2, c, b.String())
	}
	if displayWidth("乾州街道") != 8 || displayWidth("abc") != 3 || displayWidth("０７４３") != 8 {
		t.Error("displayWidth miscounts")
	}
}
