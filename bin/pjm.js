#!/usr/bin/env node
import '../dist/cli/pjm.js';
