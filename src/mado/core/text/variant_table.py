"""Data: variant kanji (異体字) → canonical form, for name *search* only.

Why this exists: the same surname is registered as 髙橋 or 高橋, 渡邊, 渡邉
or 渡辺, 齋藤, 齊藤, 斎藤 or 斉藤, and staff searching the registry type
whichever their IME offers first.  This table lets the search key treat
those spellings as equal.  It is pure data; the logic (and the automatic
folding of CJK compatibility ideographs) is in
:mod:`mado.core.text.variants`.

Scope: 旧字体 → 新字体 pairs of the 常用漢字表/人名用漢字 reforms that
occur in personal and place names, plus common 人名 variants (はしご高,
たつさき, 土吉, 点付き/点なし forms ...).  Where neither form is "the"
standard (淵/渕, 斎/斉, 龍/竜, 舘/館, 嶋/島 ...) one side is picked as the
canonical search form; which one does not matter as long as both fold
together.  Chains are allowed (a value may itself be a key); the folding
code resolves them.

Storage always keeps the resident's original characters: nothing here is
ever written back to a record.
"""

from __future__ import annotations

# One string per canonical character: "CANONICAL: variants...".
# Kept as readable lines so a reviewer can check a row at a glance.
_ROWS = """
高:髙
崎:﨑嵜碕𥔎
辺:邊邉
斉:齋齊斎
浜:濵濱
沢:澤
桜:櫻
国:國
広:廣
真:眞
恵:惠
徳:德
黒:黑
瀬:瀨
柳:栁桺
吉:𠮷
富:冨
島:嶋嶌
寿:壽
実:實
与:與
蔵:藏
竜:龍
館:舘
渕:淵渊
曽:曾
渋:澁
条:條
弥:彌
万:萬
来:來
村:邨
槙:槇
土:圡𡈽
橋:槗𣘺
達:逹
峰:峯
桑:桒
野:埜
杉:杦
刈:苅
郷:鄕鄉
青:靑
清:淸
園:薗
船:舩
沖:冲
亘:亙
教:敎
晋:晉
穣:穰
尭:堯
遥:遙
瑶:瑤
戸:戶户
内:內
郎:郞
黄:黃
姫:姬
渉:涉
横:橫
寛:寬
頼:賴
彦:彥
巌:巖
聡:聰
兎:兔
即:卽
徴:徵
讃:讚
桧:檜
薮:藪
籠:篭
滝:瀧
亜:亞
悪:惡
圧:壓
囲:圍
為:爲
医:醫
壱:壹
稲:稻
飲:飮
隠:隱
営:營
栄:榮
衛:衞
駅:驛
円:圓
艶:艷
塩:鹽
奥:奧
応:應
欧:歐
殴:毆
仮:假
価:價
画:畫
会:會
回:囘
壊:壞
懐:懷
絵:繪
拡:擴
殻:殼
覚:覺
学:學
岳:嶽
楽:樂
勧:勸
巻:卷
歓:歡
缶:罐
観:觀
関:關
陥:陷
顔:顏
帰:歸
気:氣
亀:龜
偽:僞
戯:戲
犠:犧
旧:舊
拠:據
挙:擧
峡:峽
挟:挾
狭:狹
暁:曉
区:區
駆:驅
勲:勳
径:徑
渓:溪
経:經
継:繼
茎:莖
蛍:螢
軽:輕
鶏:鷄
芸:藝
欠:缺
倹:儉
剣:劍
圏:圈
検:檢
権:權
献:獻
県:縣
険:險
顕:顯
験:驗
厳:嚴
効:效
恒:恆
鉱:鑛
号:號
済:濟
砕:碎
剤:劑
雑:雜
参:參
惨:慘
桟:棧
蚕:蠶
賛:贊
残:殘
糸:絲
歯:齒
児:兒
辞:辭
湿:濕
舎:舍
写:寫
釈:釋
収:收
従:從
獣:獸
縦:縱
粛:肅
処:處
緒:緖
叙:敍
将:將
焼:燒
称:稱
証:證
奨:奬
状:狀
乗:乘
浄:淨
剰:剩
畳:疊
嬢:孃
譲:讓
醸:釀
触:觸
嘱:囑
慎:愼
寝:寢
尽:盡
図:圖
粋:粹
酔:醉
穂:穗
随:隨
髄:髓
枢:樞
数:數
声:聲
静:靜
摂:攝
窃:竊
専:專
戦:戰
浅:淺
潜:潛
繊:纖
践:踐
銭:錢
禅:禪
双:雙
壮:壯
捜:搜
挿:插
争:爭
総:總
荘:莊
装:裝
騒:騷
増:增
臓:臟
属:屬
続:續
堕:墮
対:對
体:體
帯:帶
滞:滯
台:臺
択:擇
単:單
担:擔
胆:膽
団:團
弾:彈
断:斷
痴:癡
遅:遲
昼:晝
虫:蟲
鋳:鑄
庁:廳
聴:聽
勅:敕
鎮:鎭
逓:遞
鉄:鐵
転:轉
点:點
伝:傳
党:黨
盗:盜
灯:燈
当:當
闘:鬪鬭
独:獨
読:讀
弐:貳
悩:惱
脳:腦
覇:霸
廃:廢
拝:拜
売:賣
麦:麥
発:發
髪:髮
抜:拔
蛮:蠻
秘:祕
払:拂
仏:佛
並:竝
変:變
弁:辨瓣辯
舗:舖
歩:步
宝:寶
豊:豐
没:沒
翻:飜
満:滿
黙:默
訳:譯
薬:藥
予:豫
余:餘
誉:譽
揺:搖
様:樣
謡:謠
乱:亂
覧:覽
両:兩
猟:獵
緑:綠
塁:壘
励:勵
礼:禮
霊:靈
齢:齡
恋:戀
炉:爐
労:勞
楼:樓
禄:祿
録:錄
湾:灣
巣:巢
涙:淚
概:槪
"""


def _parse(rows: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for line in rows.strip().splitlines():
        canonical, variants = line.split(":")
        for variant in variants:
            if variant in table:
                raise ValueError(f"duplicate variant {variant!r} in variant table")
            table[variant] = canonical
    return table


#: variant character → canonical search character
VARIANTS: dict[str, str] = _parse(_ROWS)
