"""The no-writing one-stop counter (書かないワンストップ窓口) and pre-visit QR (来庁前申請)."""
