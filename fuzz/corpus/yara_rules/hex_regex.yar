rule Hex { strings: $h = { 4D 5A ?? 00 } $r = /abc [0-9]+/ condition: $h at 0 or #r > 0 }
rule Count { condition: filesize < 100 }
