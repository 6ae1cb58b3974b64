"""Reactions of uploads to other apps' domain signals."""
