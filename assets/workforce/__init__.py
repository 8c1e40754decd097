"""Workforce: OPM Federal Workforce Data (monthly) and FedScope (quarterly cubes, fiscal-year action"""
