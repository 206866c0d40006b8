rule broken { condition: nosuch }
