package langcheck

import "testing"

func TestEnglish(t *testing.T) {
	for page, want := range map[string]int{
		`<p>Số lượng 1.800 bag</p>`:                                                            1,
		`<p>Còn hiệu lực — issued</p>`:                                                         1,
		`<span class="badge active" data-status="active">Còn hiệu lực</span>`:                  0, // attributes of code, not read
		`<p lang="en"><b>Unknown code.</b> There is no lot with this code.</p><p>Không có</p>`: 0,
		`<input placeholder="Search">`:                                                         1,
		`<p>Mã <code>organic_eu</code></p>`:                                                    0,
		`<script>var active = 1</script><p>Trang chính</p>`:                                    0,
	} {
		if found, _ := English(page); len(found) != want {
			t.Errorf("%s: found %q, want %d", page, found, want)
		}
	}
}
