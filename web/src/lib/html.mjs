// html.mjs — preact + htm: components without a build step.
import { h, render, Fragment, createContext } from '../vendor/preact.mjs';
import { useState, useEffect, useMemo, useRef, useCallback, useContext } from '../vendor/hooks.mjs';
import htm from '../vendor/htm.mjs';

export const html = htm.bind(h);
export { h, render, Fragment, createContext, useState, useEffect, useMemo, useRef, useCallback, useContext };
