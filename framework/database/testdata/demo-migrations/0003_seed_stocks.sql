-- The lesson's market: seven stocks, prices made up.
INSERT INTO stocks (code, name, industry, price, change_pct, about) VALUES
	('600519', 'Kweichow Moutai', 'Beverages', 1688.50, 1.25, 'Baijiu maker from Guizhou, the market''s most valued share.'),
	('000001', 'Ping An Bank', 'Banking', 11.23, -0.42, 'A national commercial bank headquartered in Shenzhen.'),
	('600036', 'China Merchants Bank', 'Banking', 33.80, 0.61, 'Retail banking leader, known for its cards.'),
	('000858', 'Wuliangye Yibin', 'Beverages', 142.07, -1.30, 'The five-grain baijiu from Yibin, Sichuan.'),
	('601318', 'Ping An Insurance', 'Insurance', 47.15, 0.08, 'Insurance, banking and asset management group.'),
	('300750', 'CATL', 'Batteries', 188.66, 2.74, 'The world''s largest maker of electric-vehicle batteries.'),
	('002415', 'Hikvision', 'Electronics', 31.42, -0.95, 'Video surveillance products and solutions.');
