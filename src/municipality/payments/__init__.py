"""Debts and payments: debts, payment codes, card payments, fines, municipal tax."""
