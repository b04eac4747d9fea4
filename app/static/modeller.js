// The process owner's flow chart editor: bpmn-js with our own side panel, forms pane, checks and deploy.
(async function () {
  const container = document.getElementById('cc-canvas')
  if (!container || !window.BpmnJS) return
  const $ = (id) => document.getElementById(id)
  const config = JSON.parse($('cc-config').textContent)
  const forms = JSON.parse($('cc-forms').textContent)
  const modeler = new window.BpmnJS({ container, moddleExtensions: { spiffworkflow: window.ccSpiffModdle } })
  window.ccModeller = modeler // for tests that place shapes, where dragging would be flaky
  const modeling = modeler.get('modeling')
  const moddle = modeler.get('moddle')
  const registry = modeler.get('elementRegistry')
  const canvas = modeler.get('canvas')
  const is = (element, type) => element && element.businessObject && element.businessObject.$instanceOf(type)
  const roleOf = (name) => (name || '').trim().toLowerCase().replace(/[ -]/g, '_')
  let current = null

  // -- spiffworkflow:properties (form, due, stage, template) ---------------------------------
  function spiffProperties (element) {
    const ext = element.businessObject.extensionElements
    const holder = ext && (ext.values || []).find((v) => v.$type === 'spiffworkflow:Properties')
    const found = {}
    if (holder) (holder.properties || []).forEach((p) => { found[p.name] = p.value })
    return found
  }

  function setSpiffProperty (element, name, value) {
    const bo = element.businessObject
    let ext = bo.extensionElements
    if (!ext) {
      ext = moddle.create('bpmn:ExtensionElements', { values: [] })
      modeling.updateProperties(element, { extensionElements: ext })
    }
    let holder = (ext.values || []).find((v) => v.$type === 'spiffworkflow:Properties')
    if (!holder) {
      holder = moddle.create('spiffworkflow:Properties', { properties: [] })
      modeling.updateModdleProperties(element, ext, { values: [...(ext.values || []), holder] })
    }
    const kept = (holder.properties || []).filter((p) => p.name !== name)
    if (value) kept.push(moddle.create('spiffworkflow:Property', { name, value }))
    modeling.updateModdleProperties(element, holder, { properties: kept })
  }

  // -- lanes -------------------------------------------------------------------------------
  const lanes = () => registry.filter((e) => e.type === 'bpmn:Lane')
  const laneOf = (element) => lanes().find((lane) => (lane.businessObject.flowNodeRef || []).includes(element.businessObject))

  function moveToLane (element, role) {
    let lane = lanes().find((l) => roleOf(l.businessObject.name) === role)
    if (!lane) {
      const last = lanes().sort((a, b) => b.y - a.y)[0] || registry.filter((e) => e.type === 'bpmn:Participant')[0]
      lane = modeling.addLane(last, 'bottom')
      modeling.updateLabel(lane, config.lanes[role])
    }
    const delta = { x: 0, y: Math.round(lane.y + lane.height / 2 - (element.y + element.height / 2)) }
    if (delta.y) modeling.moveElements([element], delta, element.parent)
  }

  // -- the side panel ----------------------------------------------------------------------
  const groups = ['name', 'lane', 'form', 'due', 'stage', 'template', 'timer', 'condition', 'script']
  function showGroups (wanted) {
    groups.forEach((g) => { document.querySelector(`[data-for="${g}"]`).hidden = !wanted.includes(g) })
  }

  function timerOf (element) {
    const def = (element.businessObject.eventDefinitions || []).find((d) => d.$type === 'bpmn:TimerEventDefinition')
    if (!def) return null
    const kind = ['timeDate', 'timeDuration', 'timeCycle'].find((k) => def[k]) || 'timeDate'
    return { def, kind, body: def[kind] ? def[kind].body : '' }
  }

  function show (element) {
    current = element && element.type !== 'bpmn:Process' && element.type !== 'label' ? element : null
    if (!current) {
      $('cc-panel-title').textContent = 'Nothing selected'
      $('cc-panel-kind').textContent = 'Select a step, flow or lane on the flow chart.'
      return showGroups([])
    }
    const bo = current.businessObject
    $('cc-panel-title').textContent = bo.name || bo.id
    $('cc-panel-kind').textContent = current.type.replace('bpmn:', '').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()
    const wanted = []
    if (is(current, 'bpmn:Lane')) {
      wanted.push('lane')
      $('cc-lane').value = roleOf(bo.name) in config.lanes ? roleOf(bo.name) : ''
    } else {
      wanted.push('name')
      $('cc-name').value = bo.name || ''
      if (is(current, 'bpmn:FlowNode') && lanes().length) {
        wanted.push('lane')
        const lane = laneOf(current)
        $('cc-lane').value = lane && roleOf(lane.businessObject.name) in config.lanes ? roleOf(lane.businessObject.name) : ''
      }
    }
    const props = spiffProperties(current)
    if (is(current, 'bpmn:UserTask')) {
      wanted.push('form', 'due', 'stage')
      $('cc-form').value = props.form || ''
      $('cc-due').value = props.due || ''
      $('cc-stage').value = props.stage || ''
      if (props.form && forms[props.form]) chooseForm(props.form)
    }
    if (is(current, 'bpmn:SendTask')) { wanted.push('template'); $('cc-template').value = props.template || '' }
    const timer = timerOf(current)
    if (timer) { wanted.push('timer'); $('cc-timer-kind').value = timer.kind; $('cc-timer').value = timer.body || '' }
    if (is(current, 'bpmn:SequenceFlow')) {
      wanted.push('condition')
      $('cc-condition').value = bo.conditionExpression ? bo.conditionExpression.body || '' : ''
    }
    if (is(current, 'bpmn:ScriptTask')) { wanted.push('script'); $('cc-script').value = bo.script || '' }
    showGroups(wanted)
  }

  function updateTimer () {
    const timer = timerOf(current)
    const kind = $('cc-timer-kind').value
    const changes = { timeDate: undefined, timeDuration: undefined, timeCycle: undefined }
    changes[kind] = moddle.create('bpmn:FormalExpression', { body: $('cc-timer').value })
    modeling.updateModdleProperties(current, timer.def, changes)
  }

  const edits = {
    'cc-name': () => { modeling.updateLabel(current, $('cc-name').value); $('cc-panel-title').textContent = $('cc-name').value },
    'cc-lane': () => {
      const role = $('cc-lane').value
      if (!role) return
      if (is(current, 'bpmn:Lane')) modeling.updateLabel(current, config.lanes[role])
      else moveToLane(current, role)
    },
    'cc-form': () => { setSpiffProperty(current, 'form', $('cc-form').value); if (forms[$('cc-form').value]) chooseForm($('cc-form').value) },
    'cc-due': () => setSpiffProperty(current, 'due', $('cc-due').value.trim()),
    'cc-stage': () => setSpiffProperty(current, 'stage', $('cc-stage').value.trim()),
    'cc-template': () => setSpiffProperty(current, 'template', $('cc-template').value),
    'cc-timer-kind': updateTimer,
    'cc-timer': updateTimer,
    'cc-condition': () => {
      const text = $('cc-condition').value
      const expression = text.trim() ? moddle.create('bpmn:FormalExpression', { body: text }) : undefined
      modeling.updateProperties(current, { conditionExpression: expression })
    },
    'cc-script': () => modeling.updateProperties(current, { scriptFormat: 'python', script: $('cc-script').value })
  }
  Object.entries(edits).forEach(([id, apply]) => {
    const field = $(id)
    field.addEventListener(field.tagName === 'SELECT' ? 'change' : 'input', () => { if (current) apply() })
  })

  // -- forms pane with a live preview drawn by the server ------------------------------------
  let previewTimer = null
  function chooseForm (name) {
    $('cc-form-name').value = name
    $('cc-form-json').value = JSON.stringify(forms[name], null, 2)
    preview()
  }

  async function post (url, body) {
    return fetch(url, { method: 'POST', credentials: 'same-origin', body: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': config.csrf } })
  }

  async function preview () {
    const name = $('cc-form-name').value
    const text = $('cc-form-json').value
    const error = $('cc-form-json-error')
    try {
      forms[name] = JSON.parse(text)
      error.hidden = true
      $('cc-form-json-group').classList.remove('govuk-form-group--error')
    } catch (e) {
      error.innerHTML = '<span class="govuk-visually-hidden">Error:</span> '
      error.append(`The definition is not valid JSON: ${e.message}`)
      error.hidden = false
      $('cc-form-json-group').classList.add('govuk-form-group--error')
      return
    }
    const response = await post(config.preview, { name, definition: text })
    $('cc-form-preview').innerHTML = await response.text()
  }
  $('cc-form-name').addEventListener('change', () => chooseForm($('cc-form-name').value))
  $('cc-form-json').addEventListener('input', () => { clearTimeout(previewTimer); previewTimer = setTimeout(preview, 300) })

  function fieldError (id, text) {
    const message = $(id + '-error')
    message.hidden = !text
    message.innerHTML = '<span class="govuk-visually-hidden">Error:</span> '
    message.append(text || '')
    $(id + '-group').classList.toggle('govuk-form-group--error', !!text)
  }

  $('cc-add-form').addEventListener('click', () => {
    const name = $('cc-new-form').value.trim()
    if (!/^[a-z][a-z0-9_]{1,59}$/.test(name)) return fieldError('cc-new-form', 'Enter a name of lower case letters, digits and underscores, like stage1_plan')
    if (forms[name]) return fieldError('cc-new-form', `There is already a form called ${name}`)
    fieldError('cc-new-form', '')
    forms[name] = { title: name.replace(/_/g, ' '), schema: { type: 'object', properties: { [name + '_notes']: { type: 'string', maxLength: 5000 } }, required: [] },
      fields: [{ name: name + '_notes', label: 'Notes', widget: 'textarea' }] }
    for (const select of [$('cc-form-name'), $('cc-form')]) select.add(new Option(`${forms[name].title} (${name})`, name))
    $('cc-new-form').value = ''
    chooseForm(name)
    $('cc-form-json').focus()
  })

  // -- choosing a step without the mouse ---------------------------------------------------
  function listElements () {
    const select = $('cc-element')
    const chosen = select.value
    select.length = 1
    registry.filter((e) => is(e, 'bpmn:FlowElement') || is(e, 'bpmn:Lane'))
      .filter((e) => e.type !== 'label')
      .sort((a, b) => (a.businessObject.name || a.id).localeCompare(b.businessObject.name || b.id))
      .forEach((e) => select.add(new Option(`${e.businessObject.name || e.id} (${e.type.replace('bpmn:', '')})`, e.id)))
    select.value = chosen
  }
  let listing = null
  modeler.get('eventBus').on('elements.changed', () => { clearTimeout(listing); listing = setTimeout(listElements, 300) })
  $('cc-element').addEventListener('change', () => {
    const element = registry.get($('cc-element').value)
    if (!element) return
    modeler.get('selection').select(element)
    canvas.scrollToElement(element)
  })

  // -- problems, listed GOV.UK style and marked on the chart ----------------------------------
  let marked = []
  function showProblems (problems, fieldErrors) {
    marked.forEach((id) => registry.get(id) && canvas.removeMarker(id, 'cc-problem'))
    marked = []
    const box = $('cc-problems')
    box.innerHTML = ''
    if (!problems.length && !fieldErrors.length) return
    const summary = document.createElement('div')
    summary.className = 'govuk-error-summary'
    summary.innerHTML = '<div role="alert"><h2 class="govuk-error-summary__title">There is a problem</h2>' +
      '<div class="govuk-error-summary__body"><ul class="govuk-list govuk-error-summary__list"></ul></div></div>'
    const list = summary.querySelector('ul')
    const item = (text, href, onClick) => {
      const a = document.createElement('a')
      a.href = href
      a.textContent = text
      if (onClick) a.addEventListener('click', (event) => { event.preventDefault(); onClick() })
      const li = document.createElement('li')
      li.append(a)
      list.append(li)
    }
    fieldErrors.forEach(([id, text]) => item(text, '#' + id))
    problems.forEach((p) => {
      const element = p.element_id && registry.get(p.element_id)
      if (element) { canvas.addMarker(p.element_id, 'cc-problem'); marked.push(p.element_id) }
      const label = p.element_name || p.element_id
      item((label ? `${label}: ` : '') + p.message, '#cc-canvas', element ? () => {
        modeler.get('selection').select(element)
        canvas.scrollToElement(element)
        $('cc-element').focus() // keyboard users land in the panel that edits it
      } : null)
    })
    box.append(summary)
    summary.focus()
    box.scrollIntoView()
  }

  function say (text) {
    $('cc-status').innerHTML = '<div class="govuk-notification-banner govuk-notification-banner--success" role="alert">' +
      '<div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title">Success</h2></div>' +
      '<div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading"></p></div></div>'
    $('cc-status').querySelector('p').textContent = text
  }

  async function currentXml () {
    return (await modeler.saveXML({ format: true })).xml
  }

  $('cc-check').addEventListener('click', async () => {
    $('cc-status').innerHTML = ''
    const response = await post(config.validate, { xml: await currentXml(), forms })
    const { problems } = await response.json()
    showProblems(problems, [])
    if (!problems.length) say('No problems found: the flow chart can be deployed')
  })


  $('cc-deploy').addEventListener('click', async () => {
    $('cc-status').innerHTML = ''
    $('cc-deploy').disabled = true
    try {
      const response = await post(config.deploy, { xml: await currentXml(), forms, comment: $('cc-comment').value })
      const result = await response.json()
      fieldError('cc-comment', result.errors && result.errors.comment)
      showProblems(result.problems || [], result.errors && result.errors.comment ? [['cc-comment', result.errors.comment]] : [])
      if (response.ok) { unsaved = false; showVersion(result); say(result.message); $('cc-status').scrollIntoView() }
    } finally {
      $('cc-deploy').disabled = false
    }
  })

  function showVersion (result) {
    // The page now edits the version just deployed: its header and download link name it.
    $('cc-version').textContent = result.caption
    $('cc-export').textContent = `Download the deployed version ${result.version}`
  }

  $('cc-download').addEventListener('click', async () => {
    const link = document.createElement('a')
    link.href = URL.createObjectURL(new Blob([await currentXml()], { type: 'application/xml' }))
    link.download = config.filename
    link.click()
    setTimeout(() => URL.revokeObjectURL(link.href), 1000)
  })

  // -- warn before leaving with changes not deployed ---------------------------------------
  let unsaved = false
  modeler.get('eventBus').on('commandStack.changed', () => { unsaved = true })
  $('cc-form-json').addEventListener('input', () => { unsaved = true })
  window.addEventListener('beforeunload', (event) => { if (unsaved) event.preventDefault() })

  // -- open the diagram --------------------------------------------------------------------
  const PALETTE = 120 // px of the chart's left edge under bpmn-js's tool palette: no step opens hidden there

  modeler.get('eventBus').on('selection.changed', (event) => {
    show(event.newSelection.length === 1 ? event.newSelection[0] : null)
    $('cc-element').value = current && registry.get(current.id) ? current.id : ''
  })
  try {
    await modeler.importXML($('cc-xml').value)
    window.ccDiagramZoom(modeler, container, $('cc-canvas-zoom'), { left: PALETTE })
    listElements()
    unsaved = false // opening the chart is not a change
    container.dataset.ready = 'true'
  } catch (error) {
    container.textContent = 'The flow chart could not be opened: ' + error.message
  }
  chooseForm($('cc-form-name').value)
})()
