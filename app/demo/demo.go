// Package demo builds the invented prefecture that a new installation can
// start from: real place names of Xiangxi, invented people and numbers. It
// is big enough for a real roster: every duty room has leaders, cadres,
// officers and standby staff for the holiday 1+1+1+N system with a rest day
// after each 24-hour duty.
package demo

import (
	"context"
	"fmt"

	"dutyroom/app"
)

// Importer writes a batch all or nothing; the store implements it.
type Importer interface {
	ImportStations(ctx context.Context, stations []app.Station) error
	ImportPersons(ctx context.Context, persons []app.Person) error
}

type county struct {
	code, name string
	townships  []string
}

// The prefecture's eight counties and cities with some of their townships.
var counties = []county{
	{"433101", "吉首市", []string{"乾州街道", "矮寨镇", "马颈坳镇", "河溪镇", "己略乡"}},
	{"433122", "泸溪县", []string{"白沙镇", "浦市镇", "武溪镇", "潭溪镇"}},
	{"433123", "凤凰县", []string{"沱江镇", "阿拉营镇", "禾库镇", "山江镇", "腊尔山镇"}},
	{"433124", "花垣县", []string{"花垣镇", "边城镇", "龙潭镇", "双龙镇"}},
	{"433125", "保靖县", []string{"迁陵镇", "葫芦镇", "毛沟镇", "清水坪镇"}},
	{"433126", "古丈县", []string{"古阳镇", "默戎镇", "红石林镇"}},
	{"433127", "永顺县", []string{"灵溪镇", "芙蓉镇", "首车镇", "石堤镇", "砂坝镇"}},
	{"433130", "龙山县", []string{"民安街道", "里耶镇", "洗车河镇", "石牌镇", "茨岩塘镇"}},
}

var villageNames = []string{"长潭村", "新寨村", "坪朗村", "竹山村", "大坪村", "岩门村", "双溪村", "高峰村", "团结村", "木林村"}

// Staff per duty room, by tier: who may take which post. A person may take
// more than one role (a section chief who also stands as leader on duty).
type staffPlan struct {
	leaders, cadres, officers, standby int
}

var plans = map[app.Tier]staffPlan{
	app.TierPrefecture: {leaders: 5, cadres: 5, officers: 6, standby: 6}, // 22 people
	app.TierCounty:     {leaders: 3, cadres: 3, officers: 4, standby: 4}, // 14 people
	app.TierTownship:   {leaders: 2, cadres: 2, officers: 3, standby: 4}, // 11 people
}

var (
	surnames = []rune("彭向田龙石杨张王李刘吴麻符滕梁黄陈周谭肖覃宋胡唐")
	given    = []rune("建国明华志强秀兰丽军平红云霞伟芳海燕涛静斌娟勇敏杰磊琳林峰英玉晓春")
	titles   = map[app.Role][]string{
		app.RoleLeader:  {"局长", "副局长", "党委委员", "总工程师", "副局长"},
		app.RoleCadre:   {"应急指挥科科长", "风险监测科科长", "救援协调科科长", "办公室主任", "安全生产科科长"},
		app.RoleOfficer: {"值班员"},
		app.RoleStandby: {"驾驶员", "救援队联络员", "地质灾害专家", "通信保障员", "医疗联络员", "水利专家"},
	}
)

// Prefecture returns the demo tree, parents before children, and its people.
// The same call always returns the same names, codes and numbers; only the
// ids are fresh.
func Prefecture() ([]app.Station, []app.Person) {
	g := &generator{used: map[string]bool{}}
	root := app.Station{ID: app.NewID(), Code: "433100", Name: "湘西州", Tier: app.TierPrefecture, Zone: app.DefaultZone, Phone: "0743-8222110"}
	stations := []app.Station{root}
	persons := g.staff(root)
	for ci, c := range counties {
		cs := app.Station{ID: app.NewID(), Code: c.code, Name: c.name, Tier: app.TierCounty, Parent: root.ID, Zone: app.DefaultZone,
			Phone: fmt.Sprintf("0743-%d", 5200110+ci*100000%700000)}
		stations = append(stations, cs)
		persons = append(persons, g.staff(cs)...)
		for ti, tn := range c.townships {
			ts := app.Station{ID: app.NewID(), Code: fmt.Sprintf("%s%03d", c.code, ti+1), Name: tn, Tier: app.TierTownship, Parent: cs.ID, Zone: app.DefaultZone}
			stations = append(stations, ts)
			persons = append(persons, g.staff(ts)...)
			// Villages under the first two townships of each county, each
			// with its A and B disaster information officers.
			if ti >= 2 {
				continue
			}
			for vi := 0; vi < 3; vi++ {
				vn := villageNames[(ci*5+ti*3+vi)%len(villageNames)]
				vs := app.Station{ID: app.NewID(), Code: fmt.Sprintf("%s%03d", ts.Code, vi+1), Name: vn, Tier: app.TierVillage, Parent: ts.ID, Zone: app.DefaultZone}
				stations = append(stations, vs)
				for k := 0; k < 2; k++ {
					persons = append(persons, g.person(vs, "灾害信息员", app.RoleInfoOfficer))
				}
			}
		}
	}
	return stations, persons
}

// Seed writes the demo prefecture and makes the prefecture this client's
// station. It is meant for an empty data folder.
func Seed(ctx context.Context, imp Importer, ident app.IdentityService) error {
	stations, persons := Prefecture()
	if err := imp.ImportStations(ctx, stations); err != nil {
		return fmt.Errorf("demo stations: %w", err)
	}
	if err := imp.ImportPersons(ctx, persons); err != nil {
		return fmt.Errorf("demo people: %w", err)
	}
	return ident.SetIdentity(ctx, stations[0].ID)
}

type generator struct {
	n    int
	used map[string]bool
}

func (g *generator) staff(s app.Station) []app.Person {
	plan := plans[s.Tier]
	var out []app.Person
	add := func(role app.Role, n int) {
		for i := 0; i < n; i++ {
			t := titles[role]
			out = append(out, g.person(s, t[i%len(t)], role))
		}
	}
	add(app.RoleLeader, plan.leaders)
	add(app.RoleCadre, plan.cadres)
	add(app.RoleOfficer, plan.officers)
	add(app.RoleStandby, plan.standby)
	// Cadres may also lead a day and officers may stand by: this is how
	// small duty rooms cover holidays, and it gives the roster room to move.
	for i := range out {
		switch {
		case out[i].Roles[0] == app.RoleCadre && i%2 == 0:
			out[i].Roles = append(out[i].Roles, app.RoleLeader)
		case out[i].Roles[0] == app.RoleOfficer:
			out[i].Roles = append(out[i].Roles, app.RoleStandby)
		}
	}
	return out
}

// person invents a unique two- or three-character name and numbers that
// cannot belong to anyone real: mobiles in the 139-0743 block, offices in
// the 0743 area, both numbered in sequence.
func (g *generator) person(s app.Station, title string, role app.Role) app.Person {
	var name string
	for {
		k := g.n
		g.n++
		sur := surnames[k%len(surnames)]
		a := given[(k*7+k/len(surnames))%len(given)]
		if k%3 == 0 {
			name = string([]rune{sur, a})
		} else {
			b := given[(k*13+5)%len(given)]
			name = string([]rune{sur, a, b})
		}
		if !g.used[name] {
			g.used[name] = true
			break
		}
	}
	p := app.Person{
		ID:      app.NewID(),
		Station: s.ID,
		Name:    name,
		Title:   title,
		Mobile:  fmt.Sprintf("1390743%04d", g.n%10000),
		Roles:   []app.Role{role},
	}
	if s.Tier != app.TierVillage {
		p.Office = fmt.Sprintf("0743-82%05d", g.n%100000)
	}
	return p
}
