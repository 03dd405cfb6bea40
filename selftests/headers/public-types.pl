#!/usr/bin/perl
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# public-types.pl DIR < preprocessed-source
#
# Reads `cc -E` output and prints every typedef name and typedef'd struct
# or union tag declared in the files under DIR (one a line, "struct X" for
# tags), for check-types.sh.
use strict; use warnings;
my $dir = shift;
my ($keep, $text) = (0, '');
while (<>) {
	if (/^# \d+ "([^"]*)"/) { $keep = index($1, $dir) == 0; next; }
	$text .= $_ if $keep;
}
my %seen;
sub out { my $n = shift; print "$n\n" unless $seen{$n}++; }
while ($text =~ /\btypedef\b/g) {
	my $start = pos($text);
	my ($depth, $j) = (0, $start);
	my $flat = '';
	for (; $j < length($text); $j++) {
		my $c = substr($text, $j, 1);
		if ($c eq '{') { $depth++; $flat .= '{' if $depth == 1; next; }
		if ($c eq '}') { $depth--; $flat .= '}' if $depth == 0; next; }
		last if $c eq ';' && $depth == 0;
		$flat .= $c if $depth == 0;
	}
	pos($text) = $j;
	$flat =~ s/\s+/ /g;
	$flat =~ s/__attribute__ ?\(\(.*?\)\)//g;
	if ($flat =~ /^\s*(struct|union) (\w+) ?\{/) { out("$1 $2"); }
	if ($flat =~ /\(\s*\w*\s*\*\s*(\w+)\s*\)\s*\(/) { out($1); next; }
	if ($flat =~ s/^.*\}//) { } # struct ... { } NAMES
	else { $flat =~ s/^\s*(const )?((unsigned|signed|struct|union|enum) )?\w+//; }
	for my $n (split /,/, $flat) {
		$n =~ s/\[.*//; $n =~ s/[\s*]//g; $n =~ s/^const//;
		out($n) if $n ne '';
	}
}
