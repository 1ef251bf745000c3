package directory_test

import (
	"fmt"
	"strings"
	"testing"

	"dutyroom/app"
	"dutyroom/app/directory"
)

var (
	jishou  = app.Station{ID: app.NewID(), Code: "433101", Name: "吉首市", Tier: app.TierCounty}
	luxi    = app.Station{ID: app.NewID(), Code: "433122", Name: "泸溪县", Tier: app.TierCounty}
	zhang   = app.Person{ID: app.NewID(), Station: jishou.ID, Name: "张三", Title: "副局长", Mobile: "13812345678", Roles: []app.Role{app.RoleLeader}}
	zhangsf = app.Person{ID: app.NewID(), Station: luxi.ID, Name: "张三丰", Title: "值班员", Office: "0743-8221234"}
	li      = app.Person{ID: app.NewID(), Station: luxi.ID, Name: "李四", Title: "科长", Mobile: "13998765432"}
	wang    = app.Person{ID: app.NewID(), Station: jishou.ID, Name: "王小张", Title: "驾驶员", Mobile: "15011112222"}
	smith   = app.Person{ID: app.NewID(), Station: jishou.ID, Name: "John Smith", Title: "Liaison", Mobile: "18600000001"}
)

func newIndex() *directory.Index {
	return directory.NewIndex(
		[]app.Person{li, wang, zhangsf, smith, zhang},
		[]app.Station{jishou, luxi},
	)
}

func names(ps []app.Person) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out
}

func assertNames(t *testing.T, q string, got []app.Person, want ...string) {
	t.Helper()
	g := names(got)
	if fmt.Sprint(g) != fmt.Sprint(want) {
		t.Errorf("Search(%q) = %v, want %v", q, g, want)
	}
}

func TestSearchNameSubstring(t *testing.T) {
	assertNames(t, "小", newIndex().Search("小", 10), "王小张")
}

func TestSearchNameIgnoresCase(t *testing.T) {
	assertNames(t, "SMITH", newIndex().Search("SMITH", 10), "John Smith")
}

func TestSearchPinyinInitials(t *testing.T) {
	ix := newIndex()
	assertNames(t, "zs", ix.Search("zs", 10), "张三", "张三丰")
	assertNames(t, "ZSF", ix.Search("ZSF", 10), "张三丰")
	// Initials match anywhere in the name: 王小张 is wxz.
	assertNames(t, "xz", ix.Search("xz", 10), "王小张")
}

func TestSearchTitle(t *testing.T) {
	assertNames(t, "局长", newIndex().Search("局长", 10), "张三")
}

func TestSearchMobilePart(t *testing.T) {
	assertNames(t, "9876", newIndex().Search("9876", 10), "李四")
}

func TestSearchOfficePart(t *testing.T) {
	ix := newIndex()
	assertNames(t, "8221", ix.Search("8221", 10), "张三丰")
	assertNames(t, "0743-822", ix.Search("0743-822", 10), "张三丰")
	// Typed without the dash, as people read numbers aloud.
	assertNames(t, "07438221234", ix.Search("07438221234", 10), "张三丰")
}

func TestSearchFullWidthDigits(t *testing.T) {
	assertNames(t, "１３８１２", newIndex().Search("１３８１２", 10), "张三")
}

func TestSearchStationName(t *testing.T) {
	assertNames(t, "泸溪", newIndex().Search("泸溪", 10), "李四", "张三丰")
}

func TestSearchOrderExactThenPrefixThenOthers(t *testing.T) {
	// 张三 is exact; 张三丰 starts with it; nobody else contains it.
	assertNames(t, "张三", newIndex().Search("张三", 10), "张三", "张三丰")
	// 张 starts two names and sits inside a third; the prefix matches come
	// first, in name order, then 王小张.
	assertNames(t, "张", newIndex().Search("张", 10), "张三", "张三丰", "王小张")
}

func TestSearchOthersSortedByPinyin(t *testing.T) {
	// All of these are in 吉首市; by pinyin: John Smith (j), 王小张 (w), 张三 (z).
	assertNames(t, "吉首", newIndex().Search("吉首", 10), "John Smith", "王小张", "张三")
}

func TestSearchLimit(t *testing.T) {
	ix := newIndex()
	assertNames(t, "张/1", ix.Search("张", 1), "张三")
	assertNames(t, "张/2", ix.Search("张", 2), "张三", "张三丰")
	if got := ix.Search("张", 0); got != nil {
		t.Errorf("limit 0 found %v", names(got))
	}
}

func TestSearchEmptyAndMissing(t *testing.T) {
	ix := newIndex()
	if got := ix.Search("  ", 10); got != nil {
		t.Errorf("blank query found %v", names(got))
	}
	if got := ix.Search("赵", 10); len(got) != 0 {
		t.Errorf("赵 found %v", names(got))
	}
}

func TestSearchResultsAreCopies(t *testing.T) {
	ix := newIndex()
	got := ix.Search("张三", 1)
	got[0].Name = "changed"
	got[0].Roles[0] = app.RoleStandby
	again := ix.Search("张三", 1)
	if again[0].Name != "张三" || again[0].Roles[0] != app.RoleLeader {
		t.Errorf("changing a result changed the index: %+v", again[0])
	}
}

func TestInitials(t *testing.T) {
	for in, want := range map[string]string{
		"张三":    "zs",
		"李A":    "la",
		"吕布":    "lb", // ü is written v in pinyin input
		"欧阳":    "oy",
		"曾国藩":   "cgf", // polyphone: the first reading (céng) is taken
		"Bob 王": "bob w",
	} {
		if got := directory.Initials(in); got != want {
			t.Errorf("Initials(%q) = %q, want %q", in, got, want)
		}
	}
}

var sink []app.Person

// BenchmarkSearch10kPeople searches a directory the size of a large
// prefecture with queries of each kind; the target is under 10 ms a query.
func BenchmarkSearch10kPeople(b *testing.B) {
	persons, stations := generate(10000)
	ix := directory.NewIndex(persons, stations)
	queries := []string{"zs", "张", "王小", "138", "0743-82", "局长", "镇", "nobody"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sink = ix.Search(queries[i%len(queries)], 200)
	}
}

func BenchmarkNewIndex10kPeople(b *testing.B) {
	persons, stations := generate(10000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = directory.NewIndex(persons, stations)
	}
}

func generate(n int) ([]app.Person, []app.Station) {
	surnames := []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
	given := []rune("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力国峰海燕春雪梅林波宁亮成")
	titles := []string{"局长", "副局长", "科长", "值班员", "驾驶员", "专家", "灾害信息员", "镇长", "村主任"}
	stations := make([]app.Station, 300)
	for i := range stations {
		stations[i] = app.Station{ID: app.NewID(), Code: fmt.Sprintf("S%04d", i), Name: fmt.Sprintf("第%d镇", i), Tier: app.TierTownship}
	}
	persons := make([]app.Person, n)
	for i := range persons {
		name := string(surnames[i%len(surnames)]) + string(given[(i/7)%len(given)])
		if i%3 == 0 {
			name += string(given[(i/3)%len(given)])
		}
		persons[i] = app.Person{
			ID:      app.NewID(),
			Station: stations[i%len(stations)].ID,
			Name:    name,
			Title:   titles[i%len(titles)],
			Mobile:  fmt.Sprintf("13%09d", i*7919%1000000000),
			Office:  fmt.Sprintf("0743-82%05d", i),
			Roles:   []app.Role{app.RoleOfficer},
		}
	}
	return persons, stations
}

func TestSortByRoleAndName(t *testing.T) {
	st := app.NewID()
	mk := func(name string, roles ...app.Role) app.Person {
		return app.Person{ID: app.NewID(), Station: st, Name: name, Roles: roles}
	}
	persons := []app.Person{
		mk("张三", app.RoleOfficer),
		mk("无岗位"),
		mk("安平", app.RoleOfficer, app.RoleStandby),
		mk("赵局长", app.RoleLeader),
		mk("白科长", app.RoleStandby, app.RoleCadre),
		mk("陈局长", app.RoleCadre, app.RoleLeader),
	}
	directory.SortByRoleAndName(persons)
	var got []string
	for _, p := range persons {
		got = append(got, p.Name)
	}
	want := "陈局长 赵局长 白科长 安平 张三 无岗位"
	if strings.Join(got, " ") != want {
		t.Errorf("order = %v, want %s", got, want)
	}
}
