// Opens a bpmn-js flow chart at a size people can read, with Zoom in, Zoom out and Fit to width buttons.
// bpmn-js's own 'fit-viewport' shrinks a wide chart until its 12px labels are 3px high; here the chart fills
// the width of its box but never drops below LEGIBLE, and the rest is reached by dragging or Ctrl + arrows.
(function () {
  const LEGIBLE = 0.95 // bpmn-js draws task labels at 12px: about 11.4px on screen
  const LARGEST = 1.25 // a small chart is not blown up past this
  const SMALLEST = 0.2
  const STEP = 1.25
  const MARGIN = 20

  const clamp = (value, low, high) => Math.min(high, Math.max(low, value))

  function widthScale (canvas, left) {
    const { inner, outer } = canvas.viewbox()
    return clamp((outer.width - left - 2 * MARGIN) / inner.width, LEGIBLE, LARGEST)
  }

  function showAt (canvas, scale, left) {
    const { inner, outer } = canvas.viewbox()
    canvas.viewbox({ x: inner.x - (left + MARGIN) / scale, y: inner.y - MARGIN / scale,
      width: outer.width / scale, height: outer.height / scale })
  }

  // The box grows to the chart's height at that scale, within [low, high] px, so a short chart leaves no gap.
  function fitHeight (canvas, container, scale, low, high) {
    const wanted = canvas.viewbox().inner.height * scale + 2 * MARGIN
    container.style.height = Math.round(clamp(wanted, low, high)) + 'px'
    canvas.resized()
  }

  function say (status, canvas) {
    const text = `Shown at ${Math.round(canvas.zoom() * 100)}%`
    if (status && status.textContent !== text) status.textContent = text // a live region: only news is read out
  }

  // options: left (px kept clear on the left, for the editor's palette), grow ({ low, high } heights in px).
  window.ccDiagramZoom = function (diagram, container, controls, options = {}) {
    const canvas = diagram.get('canvas')
    const left = options.left || 0
    const status = controls.querySelector('[data-zoom-status]')
    const fit = () => {
      if (options.grow) fitHeight(canvas, container, widthScale(canvas, left), options.grow.low, options.grow.high)
      showAt(canvas, widthScale(canvas, left), left)
      say(status, canvas)
    }
    const step = (factor) => {
      const { inner, outer } = canvas.viewbox()
      const whole = Math.min(outer.width / inner.width, outer.height / inner.height, LEGIBLE) // zoom out as far as the whole chart
      canvas.zoom(clamp(canvas.zoom() * factor, Math.max(SMALLEST, whole * 0.9), 4))
      say(status, canvas)
    }
    const actions = { in: () => step(STEP), out: () => step(1 / STEP), fit }
    controls.querySelectorAll('button[data-zoom]').forEach((button) => {
      button.addEventListener('click', () => actions[button.dataset.zoom]())
    })
    diagram.get('eventBus').on('canvas.viewbox.changed', () => say(status, canvas)) // Ctrl + wheel zooms too
    controls.hidden = false
    fit()
    return fit
  }
})()
