package demo

import (
	"testing"

	"dutyroom/app"
)

func TestPrefectureIsAValidTree(t *testing.T) {
	stations, persons := Prefecture()
	if err := app.ValidateTree(stations); err != nil {
		t.Fatalf("demo tree is invalid: %v", err)
	}
	for i := range persons {
		if err := persons[i].Validate(); err != nil {
			t.Fatalf("demo person %s is invalid: %v", persons[i].Name, err)
		}
	}
}

func TestPrefectureHasTheEightCounties(t *testing.T) {
	stations, _ := Prefecture()
	want := []string{"吉首市", "泸溪县", "凤凰县", "花垣县", "保靖县", "古丈县", "永顺县", "龙山县"}
	var got []string
	for _, s := range stations {
		if s.Tier == app.TierCounty {
			got = append(got, s.Name)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("counties = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("county %d = %s, want %s", i, got[i], want[i])
		}
	}
}

// Every duty room must be able to staff 1+1+1+N (N=2) on consecutive days
// with a rest day after each duty: two full shifts of distinct people, each
// post filled by someone who may take it.
func TestEveryDutyRoomCanStaffHolidayDutyWithRest(t *testing.T) {
	stations, persons := Prefecture()
	minimum := map[app.Tier]int{app.TierPrefecture: 16, app.TierCounty: 12, app.TierTownship: 8}
	byStation := map[app.ID][]app.Person{}
	names := map[string]bool{}
	for _, p := range persons {
		byStation[p.Station] = append(byStation[p.Station], p)
		if names[p.Name] {
			t.Errorf("name %s used twice", p.Name)
		}
		names[p.Name] = true
	}
	for _, s := range stations {
		staff := byStation[s.ID]
		if !s.Tier.HasDutyRoom() {
			if len(staff) < 1 {
				t.Errorf("village %s has no information officer", s.Name)
			}
			continue
		}
		if len(staff) < minimum[s.Tier] {
			t.Errorf("%s has %d people, want at least %d", s.Name, len(staff), minimum[s.Tier])
		}
		// Two days of leader + cadre + officer + 2 standby, nobody twice.
		posts := []app.Role{app.RoleLeader, app.RoleCadre, app.RoleOfficer, app.RoleStandby, app.RoleStandby}
		used := map[app.ID]bool{}
		for day := 0; day < 2; day++ {
			for _, role := range posts {
				found := false
				for _, p := range staff {
					if !used[p.ID] && p.Roles[0] == role {
						used[p.ID] = true
						found = true
						break
					}
				}
				if !found {
					t.Errorf("%s cannot staff %s on day %d of two", s.Name, role, day+1)
				}
			}
		}
	}
}
