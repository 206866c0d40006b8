rule Eicar { strings: $a = "EICAR-STANDARD" condition: $a }
