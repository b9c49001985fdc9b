#!/usr/bin/env python3
"""Seeded generator of the data-mover benchmark dataset, as MySQL DDL plus tab-separated files.

customers: 200,000 x scale rows; orders: 5,000,000 x scale rows of mixed types with ~10 % NULLs;
attachments: 100,000 x scale rows of ~1 KB blobs. Writes schema.sql and one .tsv per table
(MySQL LOAD DATA / PostgreSQL COPY text format: tab-separated, \\N for NULL, hex for blobs
handled by the loader script). The same seed gives the same files.
Usage: gen_data.py [--scale 1.0] [--seed 42] --out DIR
"""
import argparse
import os
import random

SCHEMA = """CREATE TABLE customers (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(100) NOT NULL,
  email VARCHAR(255),
  country CHAR(2),
  vip TINYINT(1) NOT NULL DEFAULT 0,
  created_at DATETIME(3) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE orders (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id INT UNSIGNED NOT NULL,
  status ENUM('new','paid','shipped','cancelled') NOT NULL,
  amount DECIMAL(12,2),
  discount DOUBLE,
  quantity SMALLINT,
  note VARCHAR(200),
  ordered_at DATETIME(6),
  shipped_on DATE,
  paid TINYINT(1),
  KEY idx_customer (customer_id),
  CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE attachments (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id BIGINT UNSIGNED,
  filename VARCHAR(120) NOT NULL,
  body BLOB,
  CONSTRAINT fk_att_order FOREIGN KEY (order_id) REFERENCES orders (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
"""

WORDS = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike".split()


def maybe(r, value, p=0.1):
    return "\\N" if r.random() < p else value


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    r = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    n_cust = max(1, int(200_000 * a.scale))
    n_ord = max(1, int(5_000_000 * a.scale))
    n_att = max(1, int(100_000 * a.scale))
    with open(os.path.join(a.out, "schema.sql"), "w") as f:
        f.write(SCHEMA)
    with open(os.path.join(a.out, "customers.tsv"), "w") as f:
        for i in range(1, n_cust + 1):
            name = f"{r.choice(WORDS)} {r.choice(WORDS)} {i}"
            email = maybe(r, f"user{i}@example.com")
            country = maybe(r, r.choice(["DE", "FR", "US", "JP", "BR", "IN"]))
            f.write(f"{i}\t{name}\t{email}\t{country}\t{r.randint(0, 1)}\t"
                    f"20{r.randint(10, 24):02d}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d} "
                    f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}.{r.randint(0, 999):03d}\n")
    statuses = ["new", "paid", "shipped", "cancelled"]
    with open(os.path.join(a.out, "orders.tsv"), "w") as f:
        for i in range(1, n_ord + 1):
            f.write("\t".join([
                str(i),
                str(r.randint(1, n_cust)),
                r.choice(statuses),
                maybe(r, f"{r.randint(0, 99999)}.{r.randint(0, 99):02d}"),
                maybe(r, repr(round(r.random(), 6))),
                maybe(r, str(r.randint(1, 500))),
                maybe(r, " ".join(r.choice(WORDS) for _ in range(r.randint(1, 8)))),
                maybe(r, f"20{r.randint(10, 24):02d}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d} "
                         f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}.{r.randint(0, 999999):06d}"),
                maybe(r, f"20{r.randint(10, 24):02d}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"),
                maybe(r, str(r.randint(0, 1))),
            ]) + "\n")
    with open(os.path.join(a.out, "attachments.tsv"), "w") as f:
        for i in range(1, n_att + 1):
            # COPY text form of bytea (\\x + hex); the MariaDB load strips the prefix.
            body = maybe(r, "\\\\x" + r.randbytes(r.randint(800, 1200)).hex())
            f.write(f"{i}\t{maybe(r, str(r.randint(1, n_ord)))}\tfile{i}.bin\t{body}\n")


if __name__ == "__main__":
    main()
