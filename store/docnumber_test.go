package store_test

import (
	"context"
	"testing"

	"dutyroom/app"
	"dutyroom/store"
	"dutyroom/store/storetest"
)

// 第N期 runs 1, 2, 3 in a station's year, a record keeps its number when its
// document is made again, another station and a new year start at 1, and
// the numbers survive closing the file.
func TestDocumentNumbersRunWithoutGapsPerStationAndYear(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	docs := store.NewDocuments(db)
	a, b := app.NewID(), app.NewID()
	recs := []app.ID{app.NewID(), app.NewID(), app.NewID()}
	for i, r := range recs {
		y, n, err := docs.DocumentNumber(ctx, a, r, 2026)
		if err != nil || y != 2026 || n != i+1 {
			t.Fatalf("record %d: %d-%d %v, want 2026-%d", i, y, n, err, i+1)
		}
	}
	if y, n, _ := docs.DocumentNumber(ctx, a, recs[1], 2027); y != 2026 || n != 2 {
		t.Errorf("record 2 made again in 2027 got %d-%d, want it to keep 2026-2", y, n)
	}
	if _, n, _ := docs.DocumentNumber(ctx, b, app.NewID(), 2026); n != 1 {
		t.Errorf("another station's first document is %d, want 1", n)
	}
	if _, n, _ := docs.DocumentNumber(ctx, a, app.NewID(), 2027); n != 1 {
		t.Errorf("the first document of 2027 is %d, want 1", n)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	docs = store.NewDocuments(db)
	if _, n, _ := docs.DocumentNumber(ctx, a, app.NewID(), 2026); n != 4 {
		t.Errorf("after reopening, the next 2026 number is %d, want 4", n)
	}
}

func TestDocumentNumberRefusesBadInput(t *testing.T) {
	db := storetest.Open(t)
	docs := store.NewDocuments(db)
	ctx := context.Background()
	station := app.NewID()
	if _, _, err := docs.DocumentNumber(ctx, app.NilID, app.NewID(), 2026); err == nil {
		t.Error("a nil station was given a number")
	}
	if _, _, err := docs.DocumentNumber(ctx, station, app.NilID, 2026); err == nil {
		t.Error("a nil record was given a number")
	}
	if _, _, err := docs.DocumentNumber(ctx, station, app.NewID(), 1999); err == nil {
		t.Error("the year 1999 was given a number")
	}
	if _, n, _ := docs.DocumentNumber(ctx, station, app.NewID(), 2026); n != 1 {
		t.Errorf("refusals used up numbers: the first is %d", n)
	}
}
