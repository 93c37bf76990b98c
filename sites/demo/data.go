package demo

// Stock is one row of the market table.
type Stock struct {
	// Code is the exchange code, such as "600519".
	Code string
	// Name is the company's name.
	Name string
	// Industry is its sector.
	Industry string
	// Price is the last price, in yuan.
	Price float64
	// Change is the day's change, in percent.
	Change float64
	// About is a line on the company.
	About string
}

// market is the site's data: the lesson's "database", in memory.
var market = []Stock{
	{"600519", "Kweichow Moutai", "Beverages", 1688.50, 1.25, "Baijiu maker from Guizhou, the market's most valued share."},
	{"000001", "Ping An Bank", "Banking", 11.23, -0.42, "A national commercial bank headquartered in Shenzhen."},
	{"600036", "China Merchants Bank", "Banking", 33.80, 0.61, "Retail banking leader, known for its cards."},
	{"000858", "Wuliangye Yibin", "Beverages", 142.07, -1.30, "The five-grain baijiu from Yibin, Sichuan."},
	{"601318", "Ping An Insurance", "Insurance", 47.15, 0.08, "Insurance, banking and asset management group."},
	{"300750", "CATL", "Batteries", 188.66, 2.74, "The world's largest maker of electric-vehicle batteries."},
	{"002415", "Hikvision", "Electronics", 31.42, -0.95, "Video surveillance products and solutions."},
}

// Article is the lesson's single.html: one post.
type Article struct {
	Title, Author, Date, Lead string
	// Body is the post's HTML, the site's own text.
	Body string
}

var article = Article{
	Title:  "From a socket to a framework",
	Author: "The miniweb team",
	Date:   "2019-01-01",
	Lead:   "How a twenty-line Python server grew a WSGI interface, a config file and a mini framework.",
	Body: `<p>The lesson starts with a socket: accept a connection, read the request line,
send a file from the <code>html</code> folder. Then paths ending in <code>.py</code> go to
a function instead of a file, and soon that function is
<code>application(environ, start_response)</code>.</p>
<p>The last step is the mini framework: a table from paths to functions, and templates with a
<code>{%content%}</code> to fill. Here it is in Go, with <code>&lt;%content%&gt;</code>
in its place.</p>`,
}
