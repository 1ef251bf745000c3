package app_test

import (
	"testing"

	"dutyroom/app"
)

// Editing a clone changes the clone alone, and gives the same answers as a
// tree built afresh from the edited list.
func TestTreeCloneEditsInPlaceWithoutTouchingTheOriginal(t *testing.T) {
	p := app.Station{ID: app.NewID(), Code: "433100", Name: "湘西州", Tier: app.TierPrefecture}
	c := app.Station{ID: app.NewID(), Code: "433101", Name: "吉首市", Tier: app.TierCounty, Parent: p.ID}
	t1 := app.Station{ID: app.NewID(), Code: "433101001", Name: "乾州街道", Tier: app.TierTownship, Parent: c.ID}
	orig := app.NewTree([]app.Station{p, c})
	edited := orig.Clone()
	edited.Put(t1)
	renamed := c
	renamed.Name = "吉首"
	edited.Put(renamed)
	if orig.Station(t1.ID) != nil || orig.Station(c.ID).Name != "吉首市" || len(orig.Children(c.ID)) != 0 {
		t.Fatal("editing the clone changed the original")
	}
	if !edited.IsWithin(t1.ID, p.ID) || edited.Station(c.ID).Name != "吉首" || len(edited.Children(c.ID)) != 1 || edited.Children(p.ID)[0].Name != "吉首" {
		t.Fatalf("the clone after Put: %v", edited.Path(t1.ID))
	}
	edited.Remove(t1.ID)
	if edited.Station(t1.ID) != nil || len(edited.Children(c.ID)) != 0 || edited.IsWithin(t1.ID, p.ID) {
		t.Fatal("Remove left the township in the tree")
	}
	edited.Remove(c.ID)
	edited.Remove(p.ID)
	if len(edited.Children(app.NilID)) != 0 {
		t.Fatalf("roots after removing everything: %d", len(edited.Children(app.NilID)))
	}
}
