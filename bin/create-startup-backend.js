#!/usr/bin/env node
import { main } from '../dist/bin/create.js';

await main(process.argv.slice(2));
