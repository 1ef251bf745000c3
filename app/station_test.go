package app_test

import (
	"strings"
	"testing"

	"dutyroom/app"
)

func station(code, name string, tier app.Tier, parent app.ID) app.Station {
	return app.Station{ID: app.NewID(), Code: code, Name: name, Tier: tier, Parent: parent}
}

func TestValidateTreeAcceptsFourTiers(t *testing.T) {
	p := station("433100", "湘西州", app.TierPrefecture, app.NilID)
	c := station("433101", "吉首市", app.TierCounty, p.ID)
	tw := station("433101001", "乾州街道", app.TierTownship, c.ID)
	v := station("433101001001", "长潭村", app.TierVillage, tw.ID)
	if err := app.ValidateTree([]app.Station{p, c, tw, v}); err != nil {
		t.Fatalf("valid tree refused: %v", err)
	}
}

func TestValidateTreeRefusals(t *testing.T) {
	p := station("433100", "湘西州", app.TierPrefecture, app.NilID)
	c := station("433101", "吉首市", app.TierCounty, p.ID)
	villageUnderPrefecture := station("433100001", "某村", app.TierVillage, p.ID)
	dupCode := station("433101", "泸溪县", app.TierCounty, p.ID)
	orphan := station("433122", "泸溪县", app.TierCounty, app.NewID())
	empty := station("433123", "  ", app.TierCounty, p.ID)

	// A cycle: two counties that are each other's parent, with tiers that
	// cannot express it; the cycle check must speak first.
	a := station("A1", "甲", app.TierCounty, app.NilID)
	b := station("B1", "乙", app.TierCounty, a.ID)
	a.Parent = b.ID

	cases := []struct {
		name  string
		tree  []app.Station
		field string
		want  string
	}{
		{"village under prefecture", []app.Station{p, villageUnderPrefecture}, "parent", "village cannot sit directly under a prefecture"},
		{"duplicate code", []app.Station{p, c, dupCode}, "code", "433101 is used by both"},
		{"missing parent", []app.Station{p, orphan}, "parent", "not in the tree"},
		{"empty name", []app.Station{p, empty}, "name", "name is required"},
		{"cycle", []app.Station{a, b}, "parent", "cycle"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := app.ValidateTree(tc.tree)
			if app.ErrorCode(err) != app.EINVALID {
				t.Fatalf("code = %q (%v), want invalid", app.ErrorCode(err), err)
			}
			if app.ErrorField(err) != tc.field {
				t.Errorf("field = %q, want %q", app.ErrorField(err), tc.field)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("message %q does not mention %q", err, tc.want)
			}
		})
	}
}

func TestStationValidate(t *testing.T) {
	parent := app.NewID()
	cases := []struct {
		s     app.Station
		field string
	}{
		{app.Station{Code: "x", Name: "甲", Tier: app.TierCounty, Parent: parent}, "code"},
		{app.Station{Code: "4331 01", Name: "甲", Tier: app.TierCounty, Parent: parent}, "code"},
		{app.Station{Code: "433101", Name: "甲", Tier: 7, Parent: parent}, "tier"},
		{app.Station{Code: "433100", Name: "州", Tier: app.TierPrefecture, Parent: parent}, "parent"},
		{app.Station{Code: "433101", Name: "县", Tier: app.TierCounty}, "parent"},
		{app.Station{Code: "433101", Name: "县", Tier: app.TierCounty, Parent: parent, Phone: "abc"}, "phone"},
		{app.Station{Code: "433101", Name: "县", Tier: app.TierCounty, Parent: parent, Zone: "Mars/Olympus"}, "zone"},
		{app.Station{Code: "433101", Name: strings.Repeat("长", 41), Tier: app.TierCounty, Parent: parent}, "name"},
	}
	for _, c := range cases {
		if err := c.s.Validate(); app.ErrorField(err) != c.field {
			t.Errorf("%+v: error %v on field %q, want field %q", c.s, err, app.ErrorField(err), c.field)
		}
	}
	ok := app.Station{Code: " 433101 ", Name: " 吉首市 ", Tier: app.TierCounty, Parent: parent, Phone: "0743-8222110"}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid station refused: %v", err)
	}
	if ok.Code != "433101" || ok.Name != "吉首市" || ok.Zone != app.DefaultZone {
		t.Errorf("Validate did not normalise: %+v", ok)
	}
}

func TestTreeWalks(t *testing.T) {
	p := station("433100", "湘西州", app.TierPrefecture, app.NilID)
	c := station("433101", "吉首市", app.TierCounty, p.ID)
	c2 := station("433122", "泸溪县", app.TierCounty, p.ID)
	tw := station("433101001", "乾州街道", app.TierTownship, c.ID)
	tree := app.NewTree([]app.Station{p, c, c2, tw})
	if got := tree.Path(tw.ID); got != "湘西州 / 吉首市 / 乾州街道" {
		t.Errorf("Path = %q", got)
	}
	if !tree.IsWithin(tw.ID, p.ID) || !tree.IsWithin(tw.ID, c.ID) {
		t.Error("township not within its county and prefecture")
	}
	if tree.IsWithin(tw.ID, c2.ID) {
		t.Error("township reported within a sibling county")
	}
	if n := len(tree.Children(p.ID)); n != 2 {
		t.Errorf("prefecture has %d children, want 2", n)
	}
	if anc := tree.Ancestors(tw.ID); len(anc) != 2 || anc[0].ID != c.ID {
		t.Errorf("Ancestors = %v", anc)
	}
}

func TestParseTier(t *testing.T) {
	for _, tier := range app.Tiers {
		got, err := app.ParseTier(tier.Key())
		if err != nil || got != tier {
			t.Errorf("ParseTier(%q) = %v, %v", tier.Key(), got, err)
		}
	}
	if _, err := app.ParseTier("planet"); app.ErrorCode(err) != app.EINVALID {
		t.Errorf("ParseTier(planet) = %v, want invalid", err)
	}
}
